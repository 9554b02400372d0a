#!/usr/bin/env bash
# Smoke test of a built bundle (CI runs it after tools/build.sh):
#   1. auditoria-gui --self-test, headless, in portable mode with an empty HOME: it must pass and
#      leave HOME empty (nothing written to the laptop), its data beside the executable;
#   2. the console program: --version, init a demo database, record a mark, verify.
set -euo pipefail
bundle=${1:-dist/auditoria}
ext=""; case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) ext=".exe";; esac
gui="$bundle/auditoria-gui$ext"; cli="$bundle/auditoria$ext"
[ -x "$gui" ] && [ -x "$cli" ] || { echo "smoke: no programs in $bundle" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$bundle/portable.txt" "$bundle/data"' EXIT
mkdir "$tmp/home"
touch "$bundle/portable.txt"
start=$(date +%s%N)
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$tmp/home" QT_QPA_PLATFORM=offscreen "$gui" --self-test
echo "smoke: self-test in $(( ($(date +%s%N) - start) / 1000000 )) ms (cold start included)"
left=$(find "$tmp/home" -mindepth 1 | head -5)
[ -z "$left" ] || { echo "smoke: portable mode wrote to HOME: $left" >&2; exit 1; }
[ -d "$bundle/data" ] || { echo "smoke: portable mode made no data folder beside the programs" >&2; exit 1; }
rm -f "$bundle/portable.txt"; rm -rf "$bundle/data"
export HOME="$tmp/home" AUDITORIA_HOME="$tmp/data"
"$cli" --version
"$cli" init --db "$tmp/room.db" --demo --role room --room 0101
"$cli" rooms --db "$tmp/room.db" >/dev/null
code=$("$cli" state --db "$tmp/room.db" --room 0101 --json | grep -o -m1 '"code": "[0-9]\{9\}"' | grep -o '[0-9]\{9\}')
"$cli" record --db "$tmp/room.db" --room 0101 admitted --participant "$code" --at 09:05
"$cli" verify --db "$tmp/room.db"
set +e; "$cli" state --db "$tmp/missing.db" --room 0101 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 2 ] && grep -q "no such database" "$tmp/err" || { echo "smoke: CLI error path broken (rc $rc)" >&2; exit 1; }
if command -v objdump >/dev/null && [ -z "$ext" ]; then
  # the oldest Linux the bundle starts on: the newest glibc symbol version any bundled binary needs
  floor=$(find "$bundle" -type f \( -name '*.so*' -o -name 'auditoria*' \) -exec objdump -T {} + 2>/dev/null \
          | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV | tail -1 || true)
  echo "smoke: the Linux bundle needs ${floor:-an unknown} glibc or newer (this machine: $(ldd --version | head -1 | grep -o '[0-9.]*$'))"
fi
echo "smoke: bundle OK"
