"""The transfer commands end to end, as a technician runs them (real processes, real files)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args, ok=True):
    p = subprocess.run([sys.executable, "-m", "app.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    if ok:
        assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    return p


def test_cli_setup_results_import_round_trip(tmp_path):
    hq, room = tmp_path / "hq.db", tmp_path / "room.db"
    run("init", "--db", hq, "--demo", "--role", "hq")
    keys = json.loads(run("keys", "--db", hq, "--json", "--qr", tmp_path / "hq.png").stdout)
    assert keys["role"] == "hq" and len(keys["fingerprint"]) == 19
    setup = json.loads(run("export-setup", "--db", hq, "--room", "101", "-o", tmp_path / "s.pkg", "--json").stdout)
    assert setup["safe_to_remove"] and setup["hq_fingerprint"] == keys["fingerprint"]
    bad = run("init", "--db", room, "--from", tmp_path / "s.pkg", "--passphrase", "WRONG-WRONG-WRONG", ok=False)
    assert bad.returncode == 2 and "wrong passphrase" in bad.stderr and not room.exists()
    made = json.loads(run("init", "--db", room, "--from", tmp_path / "s.pkg", "--passphrase", setup["passphrase"],
                          "--json").stdout)
    assert made["room"] == "0101" and made["hq"]["fingerprint"] == keys["fingerprint"] and made["participants"] == 15
    rk = json.loads(run("keys", "--db", room, "--json").stdout)
    assert [t["station"] for t in rk["trusted"]] == [keys["station"]]
    run("record", "--db", room, "room-opened", "--at", "08:45")
    out = run("export-results", "--db", room, "-o", tmp_path / "r.pkg")
    assert "safe to remove" in out.stdout
    rec = json.loads(run("import-package", "--db", hq, tmp_path / "r.pkg", "--json").stdout)
    assert rec["outcome"] == "applied" and rec["new_events"] == 1 and rec["paired_now"]
    again = run("import-package", "--db", hq, tmp_path / "r.pkg")
    assert "already imported" in again.stdout
    data = (tmp_path / "r.pkg").read_bytes()
    (tmp_path / "cut.pkg").write_bytes(data[: len(data) // 2])
    cut = run("import-package", "--db", hq, tmp_path / "cut.pkg", ok=False)
    assert cut.returncode == 2 and "truncated or damaged" in cut.stderr and "nothing was applied" in cut.stderr


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")
def test_pairing_qr_decodes_to_the_fingerprint(tmp_path):
    from app.transfer.keys import parse_pairing_text

    hq = tmp_path / "hq.db"
    run("init", "--db", hq, "--role", "hq")
    keys = json.loads(run("keys", "--db", hq, "--json", "--qr", tmp_path / "q.png").stdout)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "q.png")], capture_output=True, text=True)
    ident = parse_pairing_text(out.stdout.strip())
    assert ident.fingerprint == keys["fingerprint"] and ident.station == keys["station"]
