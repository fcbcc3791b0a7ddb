#!/usr/bin/env bash
# Start or resume a long training run in the background, outside the work tree, so the next session
# on this machine finds it: `scripts/long_run.sh` (again) resumes at its last finished epoch;
# `scripts/long_run.sh stop` ends it there (a partly trained epoch is lost). `pause` freezes it
# without losing anything (SIGSTOP: no CPU, memory kept) while a benchmark is timed; `continue` goes on.
# Log: $RUN/nohup.log.
# RECIPE= names a recipe of training/recipe.py (default: the shipped one); SEED= trains a sibling
# lineage (an ensemble member); PRECISION= defaults to bfloat16 on CPUs with AMX (about twice as
# fast there) and float32 elsewhere (no gain without AMX: ../shared/MEASURED.md). Each run has its
# own $RUN; judge the finished model with `python -m benchmarks.judge`. INIT_FROM= starts the first
# stage from a trained model: `RECIPE=last-stage-photometric SEED=8 INIT_FROM=CYCLE6.keras` trains a
# sibling of the shipped model's last stage (about an hour on 2 cores), another ensemble member.
# TEACHER="A.keras B.keras" distils: the targets blend in those models' averaged probabilities
# (`training.train --teacher`), in a run directory of its own (suffix -distilled); TEACHER_VIEW=copy has
# the teachers read each batch's augmented copy, as the student does (suffix -distilled-copy).
set -euo pipefail
cd "$(dirname "$0")/.."
RECIPE="${RECIPE:-shipped}"
SEED="${SEED:-42}"
if grep -qw amx_bf16 /proc/cpuinfo 2>/dev/null; then DEFAULT_PRECISION=bfloat16; else DEFAULT_PRECISION=float32; fi
PRECISION="${PRECISION:-$DEFAULT_PRECISION}"
TEACHER_VIEW="${TEACHER_VIEW:-clean}"
SUFFIX=""; [[ -n "${TEACHER:-}" ]] && SUFFIX="-distilled" && [[ "$TEACHER_VIEW" != clean ]] && SUFFIX+="-$TEACHER_VIEW"
RUN="${RUN:-$HOME/emotion-runs/$RECIPE-seed$SEED-$PRECISION$SUFFIX}"
MATCH="training.train --recipe $RECIPE --seed $SEED --precision"  # exact: one recipe's name begins another's
if [[ "${1:-}" == "stop" ]]; then
  # every lineage: a benchmark wants the cores to itself
  pkill -f -- "training.train --recipe" && echo "stopped; run again to resume" || echo "not running"
  exit 0
fi
if [[ "${1:-}" == "pause" || "${1:-}" == "continue" ]]; then
  signal=STOP; [[ "$1" == "continue" ]] && signal=CONT
  pkill "-$signal" -f -- "training.train --recipe" && echo "${1}d" || echo "not running"
  exit 0
fi
if pgrep -f -- "$MATCH" >/dev/null; then
  echo "already running: tail -f $RUN/train.log"; exit 0
fi
mkdir -p "$RUN"
INIT=(); [[ -n "${INIT_FROM:-}" ]] && INIT=(--init-from "$INIT_FROM")
# shellcheck disable=SC2206  # TEACHER is a space-separated list of paths
[[ -n "${TEACHER:-}" ]] && INIT+=(--teacher ${TEACHER} --teacher-view "$TEACHER_VIEW")
nohup nice -n 10 python -m training.train --recipe "$RECIPE" --seed "$SEED" --precision "$PRECISION" --run "$RUN" \
  "${INIT[@]}" >>"$RUN/nohup.log" 2>&1 &
echo "running in the background (pid $!): tail -f $RUN/train.log"
