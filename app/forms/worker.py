"""A print worker (app.forms.pool): paints the PDFs it is sent, one pickled frame in, one out.

Run as ``python -m app.forms.worker`` by the pool only; it reads jobs from stdin until stdin
closes. Its first frame says it is ready (Qt and the fonts loaded).
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing may write into the frame stream but send()
    from app.forms.pool import receive, send
    from app.forms.render import ensure_gui, font, metrics, write_pdf

    ensure_gui()
    for size in (6.5, 9, 10):  # the first font engines and metrics are the slow ones
        font(size), font(size, True), metrics(size)
    send(stdout, (True, os.getpid()))
    while True:
        try:
            jobs = receive(stdin)
        except EOFError:
            return 0
        t = time.process_time()
        try:
            pages = [write_pdf(docs, path, stamp) for docs, path, stamp in jobs]
        except Exception as e:  # the caller paints this share itself
            send(stdout, (False, f"{type(e).__name__}: {e}"))
            continue
        send(stdout, (True, (pages, time.process_time() - t)))


if __name__ == "__main__":
    sys.exit(main())
