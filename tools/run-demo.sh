#!/usr/bin/env bash
# Installs Auditoria into .venv (first run only) and opens the room station on the demo exam day.
# Extra arguments go to the app (e.g. --role hq, --lang en).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh run
exec .venv/bin/python -m ui.main --demo "$@"
