"""Distribution-list import: formats, clear errors, all-or-nothing, idempotent."""

from __future__ import annotations

import pytest

from app.errors import UserError
from app.services.importer import HEADER, ImportErrors, import_list
from app.services.station import Station

ROWS = [
    ["66", "0412", "2026-06-08", "02", "12", "1А", "7700001", "Щербакова", "Алёна", "Игоревна", "6505", "123456",
     "660101", ""],
    ["66", "0412", "2026-06-08", "02", "12", "1Б", "7700002", "Ёлкин", "Пётр", "", "6505", "654321", "660102", "ovz"],
    ["66", "0412", "2026-06-08", "02", "0013", "2В", "7700003", "Д'Артаньян", "Шарль", "", "", "AB1234", "660101",
     ""],
]


def write_csv(path, rows, delim=";", encoding="utf-8", header=HEADER):
    text = "\n".join(delim.join(r) for r in [list(header)] + rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def empty(tmp_path):
    st = Station.create(tmp_path / "hq.db", role="hq")
    yield st
    st.close()


@pytest.mark.parametrize("delim,encoding", [(";", "utf-8"), (",", "utf-8"), (";", "cp1251"), (",", "utf-8-sig")])
def test_csv_variants(empty, tmp_path, delim, encoding):
    f = write_csv(tmp_path / "list.csv", ROWS, delim, encoding)
    res = import_list(empty, f, tz="Asia/Yekaterinburg", msu="043")
    assert (res.rows, res.added, res.rooms) == (3, 3, ["0012", "0013"])
    plan = empty.plan
    assert plan.point.code == "0412" and plan.point.tz == "Asia/Yekaterinburg"
    assert plan.participants["7700001"].last_name == "Щербакова"
    assert plan.participants["7700002"].ovz and plan.participants["7700001"].seat == "1А"
    assert plan.rooms["0013"].rows == 2 and plan.rooms["0013"].seats_per_row == 3


def test_xlsx(empty, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(HEADER))
    for r in ROWS:
        ws.append([int(r[0])] + r[1:])  # a region typed as a number must still work
    wb.save(tmp_path / "list.xlsx")
    res = import_list(empty, tmp_path / "list.xlsx")
    assert res.rows == 3 and empty.plan.participants["7700003"].document_number == "AB1234"


def test_errors_name_file_line_and_column_and_change_nothing(empty, tmp_path):
    bad = [r[:] for r in ROWS]
    bad[1][2] = "2026-13-40"
    bad[2][5] = "9"
    bad[2][7] = ""
    f = write_csv(tmp_path / "bad.csv", bad)
    with pytest.raises(ImportErrors) as exc:
        import_list(empty, f)
    errs = exc.value.errors
    assert "bad.csv:3: exam_date: must be a date YYYY-MM-DD or DD.MM.YYYY, not '2026-13-40'" in errs
    assert any(e.startswith("bad.csv:4: seat:") for e in errs)
    assert "bad.csv:4: last_name: is empty" in errs
    assert empty.days() == []  # nothing imported
    with pytest.raises(UserError):
        empty.point  # noqa: B018


def test_header_must_be_exact(empty, tmp_path):
    header = list(HEADER)
    header[6] = "code"
    f = write_csv(tmp_path / "h.csv", ROWS, header=header)
    with pytest.raises(UserError, match=r"h.csv: line 1: header: missing participant_code; unknown code"):
        import_list(empty, f)


def test_duplicates_and_wrong_width(empty, tmp_path):
    rows = [r[:] for r in ROWS] + [ROWS[0][:]]
    rows.append(ROWS[0][:5])
    f = write_csv(tmp_path / "d.csv", rows)
    with pytest.raises(ImportErrors) as exc:
        import_list(empty, f)
    assert any("d.csv:5: participant_code: 7700001 appears twice" in e for e in exc.value.errors)
    assert any(e.startswith("d.csv:6: row: 5 fields") for e in exc.value.errors)


def test_reimport_is_idempotent_and_updates_are_counted(empty, tmp_path):
    f = write_csv(tmp_path / "list.csv", ROWS)
    import_list(empty, f)
    again = import_list(empty, f)
    assert again.unchanged and again.added == 0
    changed = [r[:] for r in ROWS[:2]]
    changed[0][5] = "3А"
    res = import_list(empty, write_csv(tmp_path / "list2.csv", changed))
    assert (res.changed, res.removed, res.added) == (1, 1, 0)
    assert empty.plan.participants["7700001"].seat == "3А"


def test_other_exam_point_refused(empty, tmp_path):
    import_list(empty, write_csv(tmp_path / "a.csv", ROWS))
    other = [r[:] for r in ROWS]
    for r in other:
        r[1] = "0999"
    with pytest.raises(UserError, match="exam point 66/0999"):
        import_list(empty, write_csv(tmp_path / "b.csv", other))


def test_unreadable_encoding(empty, tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(b"\x81\x98\xff" * 10)
    with pytest.raises(UserError, match="x.csv"):
        import_list(empty, f)
