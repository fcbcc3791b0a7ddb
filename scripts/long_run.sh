#!/usr/bin/env bash
# Start or resume the long training run of issue 35 in the background, outside the work tree, so the
# next session on this machine finds it: `scripts/long_run.sh` (again) resumes at its last finished
# epoch; `scripts/long_run.sh stop` pauses it (before timing a benchmark). Log: $RUN/nohup.log.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN="${RUN:-$HOME/emotion-runs/shipped-photometric-bf16}"
if [[ "${1:-}" == "stop" ]]; then
  pkill -f "training.train --recipe shipped-photometric" && echo "stopped; run again to resume" || echo "not running"
  exit 0
fi
if pgrep -f "training.train --recipe shipped-photometric" >/dev/null; then
  echo "already running: tail -f $RUN/train.log"; exit 0
fi
mkdir -p "$RUN"
nohup nice -n 10 python -m training.train --recipe shipped-photometric --precision bfloat16 --run "$RUN" \
  >>"$RUN/nohup.log" 2>&1 &
echo "running in the background (pid $!): tail -f $RUN/train.log"
