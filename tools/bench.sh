#!/usr/bin/env bash
# Runs every benchmark (each prints its figures beside a floor measured in the same run).
#   bash tools/bench.sh            all of them
#   bash tools/bench.sh core forms only some (core, import, forms, transfer, server, results, room_ui)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
which=${*:-core import forms transfer server results room_ui}
for b in $which; do
  echo "=== bench_$b"
  .venv/bin/python -m "bench.bench_$b"
done
