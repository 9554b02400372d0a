"""Auditoria core: exam-day model, event log, rules, forms, transfer, sync, server.

Nothing in this package imports Qt widgets; ``ui/`` is a thin layer over it.
"""

__version__ = "0.1.0"
