"""Methods of a window that are its controllers' (``window.admit()`` is ``window.marking.admit()``).

Why: callers (menus, tests, the self-test, other windows) know the window's actions by the window's
names; one table instead of a page of one-line methods, each keeping the controller's signature and
docstring."""

from __future__ import annotations

import functools


def forward(cls: type, table: dict[str, tuple[str, ...]], controllers: dict[str, type]) -> None:
    """Give ``cls`` a method for each name in ``table[attr]`` that calls ``self.<attr>.<name>``."""
    for attr, names in table.items():
        for name in names:
            setattr(cls, name, _method(attr, getattr(controllers[attr], name)))


def _method(attr: str, target):
    name = target.__name__

    @functools.wraps(target)
    def method(self, *args, **kwargs):
        return getattr(getattr(self, attr), name)(*args, **kwargs)

    return method
