"""A small exam period for tests: three dates, up to three subjects a date, each room its subject."""

from __future__ import annotations

from pathlib import Path

HEADER = ("region,ppe_code,exam_date,subject_code,room,seat,participant_code,last_name,first_name,middle_name,"
          "document_series,document_number,school_code,special_conditions")
# date -> room -> subject
PERIOD = {
    "2026-06-01": {"0101": "07", "0102": "18", "0103": "04"},
    "2026-06-04": {"0101": "01", "0102": "01"},
    "2026-06-11": {"0101": "12", "0102": "12", "0103": "03"},
}
SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Зайцев"]


def period_rows(per_room: int = 4, changed: dict[str, str] | None = None) -> list[str]:
    """CSV rows of the period list; ``changed`` maps a date to a suffix added to its surnames."""
    rows = []
    for d, rooms in PERIOD.items():
        for i, (room, subject) in enumerate(sorted(rooms.items())):
            for k in range(per_room):
                code = f"66{i}{k:02d}{d[-2:]}"  # a participant per (date, room, seat)
                name = SURNAMES[(i + k) % len(SURNAMES)] + (changed or {}).get(d, "")
                ovz = "ovz" if k == 0 else ""
                rows.append(f"66,0412,{d},{subject},{room},1{'АБВГ'[k]},{code},{name},Иван,Иванович,6500,"
                            f"{100000 + i * 10 + k},{500 + i},{ovz}")
    return rows


def write_period(path: Path, rows: list[str] | None = None) -> Path:
    path.write_text("\n".join([HEADER, *(rows if rows is not None else period_rows())]) + "\n", encoding="utf-8")
    return path
