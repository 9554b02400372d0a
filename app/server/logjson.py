"""Structured (JSON lines) logs of the server: codes, counts, durations — never personal data.

Request lines carry the route template (``/api/v1/events``), never the query string or body.
"""

from __future__ import annotations

import json
import logging
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        d = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
             "level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            d.update(extra)
        if record.exc_info and record.exc_info[0] is not None:
            d["exc"] = record.exc_info[0].__name__  # type only: messages may quote data
        return json.dumps(d, ensure_ascii=False)


def setup() -> logging.Logger:
    log = logging.getLogger("auditoria.server")
    if not any(getattr(h, "_auditoria_json", False) for h in log.handlers):
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(JsonFormatter())
        h._auditoria_json = True  # type: ignore[attr-defined]
        log.addHandler(h)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log


def info(log: logging.Logger, msg: str, **fields) -> None:
    log.info(msg, extra={"fields": fields})
