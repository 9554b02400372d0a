"""Official forms and acts: layouts as data (resources/forms/), one QtGui renderer, signed QR codes.

``from app.forms import render_form`` works, but the names load ``app.forms.api`` (and Qt) only
when first used, so the CLI can register its subcommands without importing Qt.
"""

from __future__ import annotations

_API = ("render_form", "render_room_set", "render_point_forms", "render_day_pack", "paint_to_printer", "build_documents", "resolve_form")


def __getattr__(name: str):
    if name in _API:
        from app.forms import api

        return getattr(api, name)
    raise AttributeError(f"module 'app.forms' has no attribute {name!r}")


__all__ = list(_API)
