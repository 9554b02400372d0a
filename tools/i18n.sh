#!/usr/bin/env bash
# Translation workflow (Babel/gettext). Catalogs: translations/<lang>/LC_MESSAGES/auditoria.po.
#   i18n.sh extract   source strings -> translations/auditoria.pot (not committed)
#   i18n.sh update    extract, merge new/changed msgids into every .po (keeps translations; new
#                     English entries get msgstr = msgid), then list what is left to translate
#   i18n.sh missing   list msgids still untranslated or fuzzy in each catalog (exit 1 if any)
#   i18n.sh compile   .po -> .mo (the build does this too; app.i18n reads .po when no .mo)
#   i18n.sh check     missing + the catalog test (tests/dist/test_catalogs.py)
# The loop after new UI strings land:  update -> translate what `missing` lists -> check.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-}
if [ -z "$py" ]; then
  if [ -x .venv/bin/python ]; then py=.venv/bin/python; else py=python3; fi
fi
pybabel() { "$py" -m babel.messages.frontend -q "$@"; }
POT=translations/auditoria.pot
LANGS="ru en"
cmd=${1:-}
case "$cmd" in
  extract)
    pybabel extract -F translations/babel.cfg -k _ -k N_ -k ngettext:1,2 \
      --no-location --sort-output --project Auditoria --copyright-holder "Auditoria" \
      --msgid-bugs-address "" --no-wrap -o "$POT" app ui
    n=$(($(grep -c '^msgid "' "$POT") - 1))
    if [ "$n" -lt 1 ]; then echo "extract found no messages: check translations/babel.cfg" >&2; exit 1; fi
    echo "extracted $n messages into $POT"
    ;;
  update)
    "$0" extract
    for l in $LANGS; do
      po=translations/$l/LC_MESSAGES/auditoria.po
      if [ -f "$po" ]; then
        pybabel update -i "$POT" -D auditoria -d translations -l "$l" --no-fuzzy-matching --ignore-pot-creation-date \
          --ignore-obsolete --no-wrap
      else
        pybabel init -i "$POT" -D auditoria -d translations -l "$l" --no-wrap
      fi
    done
    # English msgids are the English text: new English entries start as msgstr = msgid (polish later).
    "$py" - <<'PY'
from babel.messages.pofile import read_po, write_po
path = "translations/en/LC_MESSAGES/auditoria.po"
with open(path, "rb") as fh:
    cat = read_po(fh, locale="en")
n = 0
for m in cat:
    if m.id and not m.fuzzy and not all(m.string if isinstance(m.string, tuple) else (m.string,)):
        m.string = m.id if isinstance(m.id, str) else tuple(m.id)
        n += 1
if n:
    with open(path, "wb") as fh:
        write_po(fh, cat, width=None, no_location=True, sort_output=True)
    print(f"{path}: {n} new entries filled with their msgid")
PY
    "$0" missing || true
    ;;
  missing)
    "$py" - "$LANGS" <<'PY'
import sys
from babel.messages.pofile import read_po
bad = 0
for lang in sys.argv[1].split():
    path = f"translations/{lang}/LC_MESSAGES/auditoria.po"
    with open(path, "rb") as fh:
        cat = read_po(fh, locale=lang)
    todo = [m for m in cat if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))]
    total = sum(1 for m in cat if m.id)
    print(f"{path}: {total - len(todo)}/{total} translated")
    for m in todo:
        mid = m.id[0] if isinstance(m.id, tuple) else m.id
        print(f"  {'fuzzy' if m.fuzzy else 'missing'}: {mid}")
    bad += len(todo)
sys.exit(1 if bad else 0)
PY
    ;;
  compile)
    for l in $LANGS; do
      pybabel compile -D auditoria -d translations -l "$l" --statistics
    done
    ;;
  check)
    "$0" missing
    QT_QPA_PLATFORM=offscreen "$py" -m pytest -q tests/dist/test_catalogs.py
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
