"""The region's reference figures: imported all or nothing, idempotent, shown beside the municipality."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.errors import UserError
from app.server.region_import import import_region, region_figures
from app.server.results_figures import results_report
from app.server.results_import import import_results
from tests.server.test_results import ROOM_A, ROOM_B, _results, db_arg, server  # noqa: F401 (fixture)

GOOD = ("Год;Код предмета;Участников;Средний балл;Медиана;Ниже минимума, %;81–99, %;100 баллов, %\n"
        "2026;1;21 500;68,4;70;2,1 %;22,5;0,4\n"
        "2026;02;15 000;55,0;;8,0;;\n")


def test_region_import_all_or_nothing_and_idempotent(server, tmp_path):  # noqa: F811
    engine = server
    bad = tmp_path / "region_bad.csv"
    bad.write_text(GOOD + "2026;01;100;70;70;5;5;5\n2026;77;x;150;;120;;\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        import_region(engine, bad)
    msg = str(e.value)
    assert "region_bad.csv:4: Код предмета: 01 appears twice for 2026 (first at line 2)" in msg
    assert "region_bad.csv:5: Участников:" in msg and "region_bad.csv:5: Ниже минимума, %: 120 is not a percentage" in msg
    assert region_figures(engine, 2026) == {}  # nothing stored
    good = tmp_path / "region.csv"
    good.write_text(GOOD, encoding="utf-8")
    res = import_region(engine, good)
    assert (res.rows, res.added, res.changed) == (2, 2, 0)
    assert import_region(engine, good).unchanged
    fig = region_figures(engine, 2026)["01"]
    assert fig["participants"] == 21500 and fig["mean"] == 68.4 and fig["below_minimum"] == 0.021
    assert region_figures(engine, 2026)["02"]["median"] is None
    with pytest.raises(UserError, match="is not 2025"):
        import_region(engine, good, year=2025)


def test_region_beside_the_municipality_in_results_and_report(server, tmp_path):  # noqa: F811
    engine = server
    scores = {c: 60 for c in ROOM_A + ROOM_B}
    import_results(engine, _results(tmp_path / "r.csv", 2026, scores))
    assert results_report(engine, 2026)["subjects"][0]["region"] is None
    (tmp_path / "region.csv").write_text(GOOD, encoding="utf-8")
    db = db_arg(server)
    r = subprocess.run([sys.executable, "-m", "app.cli", "server", "import-region", "--db", db,
                        str(tmp_path / "region.csv"), "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["added"] == 2
    subj = results_report(engine, 2026)["subjects"][0]
    assert subj["code"] == "01" and subj["region"]["mean"] == 68.4 and subj["region"]["mean_gap"] == -8.4
    out = tmp_path / "report.pdf"
    r = subprocess.run([sys.executable, "-m", "app.cli", "server", "report", "--db", db, "--year", "2026",
                        "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout.split())
    assert "Регион (справочные данные, region.csv): участников 21500, средний балл 68,4" in text
    assert "муниципалитет ниже региона на 8,4 балла" in text
    r = subprocess.run([sys.executable, "-m", "app.cli", "server", "import-region", "--db", db,
                        str(tmp_path / "missing.csv")], capture_output=True, text=True)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
