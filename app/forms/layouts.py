"""Form layouts read from resources/forms/*.json (year-versioned data a region can correct).

A layout names its form code, the data source that fills it, and a list of blocks (fields,
tables, counts, check boxes, free lines, signatures). A broken file is reported with its
name and the field at fault, never a traceback.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.i18n import _
from app.paths import resources_dir

BLOCK_TYPES = ("fields", "table", "counts", "checkboxes", "checklist", "lines", "signatures", "text", "problems")
COLUMN_TYPES = ("text", "mark", "cells", "blank", "number")


def forms_dir() -> Path:
    return resources_dir() / "forms"


def _check(layout: dict[str, Any], path: Path) -> dict[str, Any]:
    def bad(msg: str) -> UserError:
        return UserError(f"{path}: {msg}")

    for key in ("form", "source", "blocks"):
        if key not in layout:
            raise bad(f"missing field {key!r}")
    for i, b in enumerate(layout["blocks"]):
        t = b.get("type")
        if t not in BLOCK_TYPES:
            raise bad(f"blocks[{i}]: unknown type {t!r} (known: {', '.join(BLOCK_TYPES)})")
        if t == "table":
            if "table" not in b or "columns" not in b:
                raise bad(f"blocks[{i}]: a table needs 'table' and 'columns'")
            for j, c in enumerate(b["columns"]):
                if c.get("type", "text") not in COLUMN_TYPES:
                    raise bad(f"blocks[{i}].columns[{j}]: unknown type {c.get('type')!r}")
                if "width" not in c:
                    raise bad(f"blocks[{i}].columns[{j}]: missing 'width' (mm)")
    return layout


@lru_cache(maxsize=64)
def _load_file(path: str) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise UserError(f"{p}: line {e.lineno}: {e.msg}") from None
    return _check(data, p)


def all_layouts() -> dict[str, dict[str, Any]]:
    """{official code: layout} of every layout file."""
    return _all_layouts(str(forms_dir()))


@lru_cache(maxsize=4)
def _all_layouts(folder: str) -> dict[str, dict[str, Any]]:
    out = {}
    for p in sorted(Path(folder).glob("ppe-*.json")):
        lay = _load_file(str(p))
        out[lay["form"]] = lay
    return out


def layout_for(code: str) -> dict[str, Any]:
    layouts = all_layouts()
    if code not in layouts:
        raise UserError(_("no layout for form {code} in {folder}").format(code=code, folder=forms_dir()))
    return layouts[code]
