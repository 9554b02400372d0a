#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine with Python 3.11, then runs every test.
# Extra arguments go to pytest (e.g. bash tools/test.sh -k importer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
