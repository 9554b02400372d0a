"""CLI bad-input campaign: hundreds of wrong commands, each must be one line, exit 2, nothing changed.

Run: ``.venv/bin/python -m bench.campaign_cli [--cases 400] [--seed 14]``. Cases are drawn from
families (bad times, kinds, codes, key=value fields, huge and non-UTF-8 arguments, wrong database
files, broken lists) against a demo room database and an empty HQ database; ``app.cli.main`` runs
in this process (stderr captured). For each case it checks: exit code 2, one line on stderr, no
traceback or "internal error", and that the database files are byte-identical afterwards.
Prints: cases, accepted-when-it-should-refuse, partial writes, tracebacks, multi-line messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ["admitted", "late", "absent", "seated", "exit", "return", "extra-sheet", "removal", "void", "note",
         "exam-start", "correction", "finished", "staff-change", "room-closed"]
BAD_TIMES = ["0001-01-01T00:00", "9999-12-31T23:59:59-12:00", "25:99", "24:00", "9:7", "-1:00", "2026-02-30T10:00",
             "2026-06-04T10:00+25:00", "10:00:00.999999999", "now", " ", "T", "10:00Z+1", "1e9", "٠٩:١٠",
             "2026-06-04T10:00" + "0" * 5000, "\x00", "1969-12-31T23:59:59", "3000-01-01"]
BAD_CODES = ["999", "'; DROP TABLE events;--", "X" * 10_000, "", " ", "\x00", "../../etc/passwd", "%s%s%n", "１２３",
             "\u202e123", "0" * 21]
HUGE = "Щ" * 100_000


@dataclass
class Counts:
    cases: int = 0
    accepted: int = 0
    partial_writes: int = 0
    tracebacks: int = 0
    multi_line: int = 0
    examples: list[str] = field(default_factory=list)
    accepted_by: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"CLI bad input: cases {self.cases}, accepted-when-it-should-refuse {self.accepted}, partial writes "
                f"{self.partial_writes}, tracebacks {self.tracebacks}, multi-line messages {self.multi_line}"
                + (f" (accepted by family: {self.accepted_by})" if self.accepted_by else ""))


def _digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())
            if f.is_file() and not f.name.endswith(("-wal", "-shm", ".head", ".tmp"))}


def _surrogate(rnd: random.Random) -> str:
    return os.fsdecode(bytes([0xFF, 0xFE, rnd.randrange(0x80, 0x100)]))


def _files(folder: Path) -> dict[str, Path]:
    """Wrong database files and broken lists, made once."""
    from app.services.importer import HEADER

    f = {}
    f["empty"] = folder / "empty.db"
    f["empty"].write_bytes(b"")
    f["one"] = folder / "one.db"
    f["one"].write_bytes(b"x")
    f["random"] = folder / "random.db"
    f["random"].write_bytes(os.urandom(8192))
    f["truncated"] = folder / "truncated.db"
    f["truncated"].write_bytes(b"SQLite format 3\x00" + os.urandom(100))
    f["foreign"] = folder / "foreign.db"
    con = sqlite3.connect(f["foreign"])
    con.execute("CREATE TABLE songs (t TEXT)")
    con.commit()
    con.close()
    f["tableless"] = folder / "tableless.db"
    con = sqlite3.connect(f["tableless"])
    con.execute("PRAGMA user_version=3")
    con.commit()
    con.close()
    f["folder"] = folder / "adir.db"
    f["folder"].mkdir()
    head = ";".join(HEADER)
    row = "66;0412;2026-06-08;02;12;1А;7700001;Петрова;Анна;;6505;123456;660101;"
    lists = {
        "utf16.csv": (head + "\n" + row + "\n").encode("utf-16-le"),
        "bigfield.csv": (head + '\n66;0412;2026-06-08;02;12;1А;7700001;"' + "Щ" * 140_000 + '";А;;1;1;1;\n').encode(),
        "longname.csv": (head + "\n" + row.replace("Петрова", HUGE) + "\n").encode(),
        "date1.csv": (head + "\n" + row.replace("2026-06-08", "20260608") + "\n").encode(),
        "date2.csv": (head + "\n" + row.replace("2026-06-08", "2026-W23-4") + "\n").encode(),
        "date3.csv": (head + "\n" + row.replace("2026-06-08", "1900-06-08") + "\n").encode(),
        "date4.csv": (head + "\n" + row.replace("2026-06-08", "9999-06-08") + "\n").encode(),
        "noheader.csv": (row + "\n").encode(),
        "binary.csv": os.urandom(2000),
        "empty.csv": b"",
        "broken.xlsx": b"PK\x03\x04" + os.urandom(500),
        "text.xlsx": b"region;ppe_code\n",
        "nul.csv": (head + "\n" + row.replace("Анна", "Ан\x00на") + "\n").encode(),
    }
    for name, data in lists.items():
        f[name] = folder / name
        f[name].write_bytes(data)
    return f


def cases(rnd: random.Random, n: int, room: Path, hq: Path, files: dict[str, Path],
          code: str) -> list[tuple[str, list[str]]]:
    """``code``: a participant really on room 0101's list, so a case fails for the bad part only."""
    r, h = str(room), str(hq)
    fam = []
    fam.append(("bad-time", lambda: ["record", "--db", r, "--room", "0101", rnd.choice(["note", "exit", "admitted"]),
                        "--participant", code, "text=x", "--at", rnd.choice(BAD_TIMES)]))
    fam.append(("participant-code", lambda: ["record", "--db", r, "--room", "0101", rnd.choice(["removal", "exit", "late", "void"]),
                        "--participant", rnd.choice(BAD_CODES[2:])]))
    fam.append(("bad-room", lambda: ["record", "--db", r, "--room", rnd.choice(["0999", "abc", "12345", HUGE[:50], "\x00"]),
                        "note", "text=x"]))
    fam.append(("bad-kind", lambda: ["record", "--db", r, "--room", "0101", rnd.choice(["bogus", "VOID", "", "note;"]),
                        "text=x"]))
    fam.append(("long-author", lambda: ["record", "--db", r, "--room", "0101", "note", "text=x", "--author", "A" * rnd.choice(
        [65, 1000, 100_000])]))
    fam.append(("bad-field", lambda: ["record", "--db", r, "--room", "0101", "extra-sheet", "--participant", code,
                        rnd.choice(["sheet=", "sheet=a b", "sheet=" + "9" * 50, "nokv", "=x", "sheet"])]))
    fam.append(("bad-void", lambda: ["record", "--db", r, "--room", "0101", "void", rnd.choice(
        ["target=nope", "target=", "reason=x", f"target={'f' * 36}"]), rnd.choice(["reason=x", "reason="])]))
    fam.append(("non-utf8-field", lambda: ["record", "--db", r, "--room", "0101", "note", "text=" + _surrogate(rnd)]))
    fam.append(("non-utf8-db", lambda: [rnd.choice(["state", "log", "verify"]), "--db", r + _surrogate(rnd)]))
    fam.append(("wrong-db-file", lambda: [rnd.choice(["state", "log", "verify", "rooms"]), "--db",
                        str(files[rnd.choice(["empty", "one", "random", "truncated", "foreign", "tableless",
                                              "folder"])]), "--room", "0101"]))
    fam.append(("record-on-wrong-file", lambda: ["record", "--db", str(files[rnd.choice(["empty", "one", "foreign", "tableless"])]),
                        "--room", "0101", "note", "text=x"]))
    fam.append(("missing-db", lambda: ["state", "--db", r + ".missing", "--room", "0101"]))
    fam.append(("bad-list", lambda: ["import", "--db", h, str(files[rnd.choice(
        ["utf16.csv", "bigfield.csv", "longname.csv", "date1.csv", "date2.csv", "date3.csv", "date4.csv",
         "noheader.csv", "binary.csv", "empty.csv", "broken.xlsx", "text.xlsx", "nul.csv"])])]))
    fam.append(("missing-list", lambda: ["import", "--db", h, str(Path(h).parent / "nope.csv")]))
    fam.append(("init-existing", lambda: ["init", "--db", r]))
    fam.append(("bad-role", lambda: ["init", "--db", str(Path(h).parent / "x.db"), "--role", rnd.choice(["boss", "", "ROOM"])]))
    fam.append(("usage", lambda: [rnd.choice(["record", "state", "frobnicate", "--db"])]))
    fam.append(("unknown-room", lambda: ["state", "--db", r, "--room", rnd.choice(["0999", "x", "-1"])]))
    return [(tag, make()) for tag, make in (rnd.choice(fam) for _ in range(n))]


def run_case(argv: list[str]) -> tuple[int, str]:
    from app import cli

    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = int(e.code or 0)
        except BaseException as e:  # noqa: BLE001 - counted as a traceback
            return 99, f"Traceback: {e.__class__.__name__}"
    finally_settle()
    return code, err.getvalue()


def finally_settle() -> None:
    """What a finished process would have done: connections closed (WAL checkpoint), anchors written."""
    import gc

    from app.store import anchor

    anchor._flush_all()
    gc.collect()


def campaign(n: int, seed: int) -> Counts:
    from app.services.demo import install_demo
    from app.services.station import Station

    rnd = random.Random(seed)
    c = Counts()
    with tempfile.TemporaryDirectory(prefix="cli-campaign-") as d:
        base = Path(d)
        (base / "room").mkdir()
        (base / "hq").mkdir()
        (base / "files").mkdir()
        room = base / "room" / "room.db"
        st = Station.create(room, role="room", room="0101")
        install_demo(st)
        code = st.plan.room_participants("0101")[0].code
        st.close()
        hq = base / "hq" / "hq.db"
        Station.create(hq, role="hq").close()
        files = _files(base / "files")
        before = {k: _digest(base / k) for k in ("room", "hq", "files")}
        for tag, argv in cases(rnd, n, room, hq, files, code):
            code, err = run_case(argv)
            c.cases += 1
            lines = [x for x in err.strip().splitlines() if x.strip()]
            shown = " ".join(a[:30] for a in argv)
            if code == 0:
                c.accepted += 1
                c.accepted_by[tag] = c.accepted_by.get(tag, 0) + 1
                c.examples.append(f"accepted ({tag}): {shown}")
            if "Traceback" in err or "internal error" in err or code not in (0, 1, 2):
                c.tracebacks += 1
                c.examples.append(f"traceback: {shown}: {err[-200:]}")
            # import errors list every bad row: those are one line per row by design
            elif code == 2 and len(lines) != 1 and not (argv[0] == "import" and "error(s), nothing imported" in err):
                c.multi_line += 1
                c.examples.append(f"multi-line: {shown}: {err[:200]}")
            after = {k: _digest(base / k) for k in ("room", "hq", "files")}
            if after != before and code != 0:
                changed = sorted(f"{k}/{n}" for k in after for n in set(after[k]) | set(before[k])
                                 if after[k].get(n) != before[k].get(n))
                c.partial_writes += 1
                c.examples.append(f"changed {', '.join(changed)}: {shown}")
            before = after
    return c


def main() -> None:
    from bench.campaign_run import run

    run(__doc__, campaign, 400, "cli-campaign", examples=8)


if __name__ == "__main__":
    main()
