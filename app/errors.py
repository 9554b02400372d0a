"""Errors a user may see: each carries one clear line, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; its message is shown as is (one line)."""


class IntegrityError(UserError):
    """The event log or a chain is broken; names the first bad event."""
