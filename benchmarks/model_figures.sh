#!/usr/bin/env bash
# Every benchmark whose figures depend on the shipped model, one after another, each table saved
# to benchmarks/out/model_figures/NAME.md: run it after `python -m training.ship`, then copy the
# figures into docs/PERFORMANCE.md, docs/MODEL_CARD.md and docs/EXPERIMENTS.md (each names its command).
# Run it on an idle machine. (docs/EVALUATION.md and its confusion matrices are written by the ship
# step itself.)
#
#   bash benchmarks/model_figures.sh [NAME ...]   # default: all of them, in the order below
set -euo pipefail
cd "$(dirname "$0")/.."
out=benchmarks/out/model_figures
mkdir -p "$out"
all=(photos_e2e photos_e2e_float32 accuracy unsure mirror_gate classifier edge_crops face_size
     crop_margin photos_tta photo_offsets framing)
for name in "${@:-${all[@]}}"; do
    case "$name" in
        photos_e2e_float32) command=(python benchmarks/photos_e2e.py --float32) ;;
        *) command=(python "benchmarks/$name.py") ;;
    esac
    [[ -f "benchmarks/${name%_float32}.py" ]] || { echo "no benchmark $name" >&2; exit 2; }
    echo "$(date +%T) ${command[*]} > $out/$name.md"
    "${command[@]}" 2>&1 | grep -v -E '^(W0000|I0000|E0000|WARNING|INFO|To enable)' > "$out/$name.md"
done
