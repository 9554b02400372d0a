#!/usr/bin/env bash
# Builds the one-folder bundle dist/auditoria/ with PyInstaller (build.spec) and smoke-tests it.
#   build.sh            build, then run dist/auditoria/auditoria-gui --self-test
#   build.sh --no-test  build only
# Prints the build time and the bundle size. Uses .venv (bash tools/setup.sh test) or $PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
start=$(date +%s)
"$py" -m PyInstaller --noconfirm --clean --log-level WARN build.spec
secs=$(( $(date +%s) - start ))
size=$(du -sm dist/auditoria | cut -f1)
echo "bundle: dist/auditoria ($size MB, $(find dist/auditoria -type f | wc -l) files), built in ${secs}s"
[ "${1:-}" = "--no-test" ] && exit 0
exec "$py" tools/bundle/smoke.py dist/auditoria
