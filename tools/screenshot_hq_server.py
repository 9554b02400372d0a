"""Screenshot of the HQ window's Server tab after a real sync (run under Xvfb at 1366×768).

    xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb \\
        /work/venv/bin/python tools/screenshot_hq_server.py docs/screenshots

Starts ``auditoria serve`` on 127.0.0.1 with a scratch SQLite database, adds the demo exam point,
makes an enrollment code, then types the address and the code into the tab and presses *Sync now*.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cli(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True, timeout=120).stdout


def main(out: str = "docs/screenshots", lang: str = "ru") -> int:
    import socket

    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="hqserver-"))
    os.environ.setdefault("AUDITORIA_HOME", str(tmp / "home"))
    (tmp / "home").mkdir(exist_ok=True)
    db = str(tmp / "monitoring.db")
    _cli("server", "add-ppe", "--db", db, "--region", "66", "--msu", "043", "--ppe", "0412", "--name",
         "МАОУ СОШ № 8, г. Верхний Тагил")
    code = json.loads(_cli("server", "enroll-code", "--db", db, "--ppe", "0412", "--json"))["code"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--db", db, "--host", "127.0.0.1", "--port",
                             str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        return _shoot(Path(out), lang, tmp, url, code)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def _shoot(outdir: Path, lang: str, tmp: Path, url: str, code: str) -> int:
    from app.i18n import set_language
    from app.services.hq_demo import demo_exchange
    from ui.qt import QtWidgets

    set_language(lang)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    hq, _rooms = demo_exchange(tmp / "day", {"0101": "end", "0102": "end", "0103": "morning", "0201": "end"})
    from ui.hq.window import HqWindow

    win = HqWindow(hq)
    win.setGeometry(0, 0, 1366, 740)
    win.show()
    panel = win.server_panel
    win.tabs.setCurrentWidget(win.server_tab)
    panel.address.setText(url)
    panel.show_status()
    panel.code.setText(code)
    op = panel.sync_now()
    deadline = time.monotonic() + 120
    while op is not None and op.running and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):
        app.processEvents()
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "hq-server.png"
    app.primaryScreen().grabWindow(0).save(str(path))
    print(path, panel.message.text())
    win.close()
    hq.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
