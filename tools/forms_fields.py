"""Write the per-form field tables of docs/forms/README.md from the layouts (resources/forms/*.json).

Every printed field of every layout is listed with where it was checked: an item, column or block
may carry ``"src"`` (e.g. "[V] Сборник форм 2020, F2"); anything without one is "[R] unverified".
The tables sit between the markers below, so the rest of the README is kept as written.

Run: .venv/bin/python tools/forms_fields.py   (tests/forms check that the README is up to date)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "docs" / "forms" / "README.md"
BEGIN, END = "<!-- fields:begin -->", "<!-- fields:end -->"
UNVERIFIED = "[R] unverified"
HEADER_TITLES = {"region": "Код региона (2 клетки)", "msu": "Код МСУ (3)", "ppe": "Код ППЭ (4)",
                 "room": "Номер аудитории (4)", "subject": "Код (2) и название предмета",
                 "date": "Дата экзамена (ч.м.г.)", "sheet": "Лист №"}


def rows_of(lay: dict) -> list[tuple[str, str, str]]:
    """(part, field, status) of one layout, in print order."""
    src = lay.get("src", {})
    out = [("шапка", HEADER_TITLES[h], src.get("header", UNVERIFIED)) for h in lay.get("header", [])]
    copies = lay.get("copies", 1)
    if isinstance(copies, list) or int(copies) > 1:
        label = ", ".join(copies) if isinstance(copies, list) else f"{copies}"
        out.append(("экземпляры", label, src.get("copies", UNVERIFIED)))
    if lay.get("mash_note"):
        out.append(("строка", "назначение печати Auditoria (МАШ)", "Auditoria's own"))
    for b in lay["blocks"]:
        t = b["type"]
        part = b.get("title") or {"fields": "поля", "table": "таблица", "counts": "итоги", "lines": "строки",
                                  "signatures": "подписи", "checkboxes": "отметки", "checklist": "проверка",
                                  "text": "текст"}.get(t, t)
        bsrc = b.get("src", UNVERIFIED)
        if t == "fields":
            out += [(part, it["label"] + (f" ({it['cells']} клеток)" if "cells" in it else ""), it.get("src", bsrc))
                    for it in b["items"]]
        elif t == "table":
            out += [(part, c["title"], c.get("src", bsrc)) for c in b["columns"]]
        elif t in ("counts", "checkboxes"):
            out += [(part, it["label"], it.get("src", bsrc)) for it in b["items"]]
        elif t == "checklist":
            out += [(part, it, bsrc) for it in b["items"]]
        elif t == "lines":
            out.append(("строки", b["label"], bsrc))
        elif t == "signatures":
            out += [("подписи", it["role"], it.get("src", bsrc)) for it in b["items"]]
        elif t == "text":
            out.append(("текст", b["text"][:60], bsrc))
    return out


def tables() -> str:
    parts = []
    for p in sorted((ROOT / "resources" / "forms").glob("ppe-*.json")):
        lay = json.loads(p.read_text(encoding="utf-8"))
        rows = rows_of(lay)
        checked = sum(1 for r in rows if not r[2].startswith("[R]"))
        parts.append(f"### {lay['form']} (`{p.name}`) — {checked} of {len(rows)} checked\n")
        parts.append("| Part | Field | Checked against |\n|---|---|---|")
        parts += [f"| {a} | {b.replace('|', '/')} | {c} |" for a, b, c in rows]
        parts.append("")
    return "\n".join(parts)


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{tables()}\n{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
