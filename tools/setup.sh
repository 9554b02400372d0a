#!/usr/bin/env bash
# One set-up for a fresh machine: system packages (Debian, when root), a virtualenv, the project.
#   setup.sh run   what the desktop app needs
#   setup.sh test  plus what the tests need (PDF and QR tools, PostgreSQL, Chromium, Xvfb + openbox, FUSE 3)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
run_pkgs="libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 fonts-dejavu-core"
test_pkgs="poppler-utils zbar-tools xvfb postgresql chromium fuse3 openbox xdotool x11-utils imagemagick"  # the last four: tests/ui/test_dialog_lag.py
pkgs=$run_pkgs
[ "$mode" = test ] && pkgs="$run_pkgs $test_pkgs"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi
py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
extras=""
[ "$mode" = test ] && extras="[server,dev]"
stamp=".venv/.installed-$mode"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q -e ".$extras"
  touch "$stamp"
fi
