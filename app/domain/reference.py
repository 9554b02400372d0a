"""Year-versioned reference data (subjects, aids, desk list, form catalog) read from resources/.

A region corrects a duration or an aid by editing the JSON files; nothing here hard-codes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.paths import resources_dir


@dataclass(frozen=True)
class Aid:
    key: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Subject:
    code: str
    title: str
    title_en: str
    minutes: int
    audio: bool
    aids: tuple[str, ...]
    ovz_extra_minutes: int = 90  # the extension for participants with special conditions (ОВЗ)
    oral: bool = False  # the oral part of a foreign language (a computer station, +30 min for ОВЗ)

    def local_title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title


@dataclass(frozen=True)
class DeskItem:
    key: str
    title: str
    title_en: str
    ovz_only: bool = False


@dataclass(frozen=True)
class FormInfo:
    code: str
    slug: str
    title: str
    where: str


@dataclass(frozen=True)
class ScheduledDate:
    """One date of the year's ЕГЭ schedule: its kind (main, reserve, retake, early…) and subjects."""

    date: str  # YYYY-MM-DD
    kind: str
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    year: int
    subjects: dict[str, Subject]
    aids: dict[str, Aid]
    desk_general: tuple[DeskItem, ...]
    forbidden: tuple[DeskItem, ...]
    forms: dict[str, FormInfo]
    ovz_extra_minutes: int
    start_local: str
    admission_local: str
    no_show_stop_after_minutes: int
    warnings_before_end_minutes: tuple[int, ...]
    schedule: dict[str, ScheduledDate] = field(default_factory=dict)

    def subject(self, code: str) -> Subject:
        try:
            return self.subjects[code]
        except KeyError:
            raise KeyError(f"unknown subject code {code!r}") from None

    def scheduled(self, exam_date: str, subject_code: str) -> bool | None:
        """Whether the schedule holds this subject on this date (None: the year has no schedule file)."""
        if not self.schedule:
            return None
        d = self.schedule.get(exam_date)
        return d is not None and subject_code in d.subjects

    def subject_aids(self, code: str) -> list[Aid]:
        return [self.aids[k] for k in self.subject(code).aids]

    def form(self, name: str) -> FormInfo:
        """Find a form by 'ППЭ-05-02', '05-02' or 'ppe-05-02' (case-insensitive)."""
        key = name.strip().upper().replace("PPE-", "").replace("ППЭ-", "").replace("MASH", "МАШ")
        for f in self.forms.values():
            if f.code.upper().replace("ППЭ-", "") == key or f.slug.upper() == key:
                return f
        raise KeyError(f"unknown form {name!r}")


def available_years(root: Path | None = None) -> list[int]:
    base = (root or resources_dir()) / "reference"
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"reference file missing: {path}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: line {e.lineno}: {e.msg}") from None


@lru_cache(maxsize=8)
def load_reference(year: int | None = None, root: Path | None = None) -> Reference:
    """Load the reference data of a year (the newest year not after it; default: newest)."""
    years = available_years(root)
    if not years:
        raise FileNotFoundError("no reference data in resources/reference/")
    not_after = [y for y in years if year is None or y <= year]
    chosen = max(not_after) if not_after else years[0]
    base = (root or resources_dir()) / "reference" / str(chosen)
    subj = _read(base / "subjects.json")
    aids = _read(base / "aids.json")
    forms = _read(base / "forms.json")
    aid_map = {k: Aid(k, v["title"], v.get("title_en", v["title"])) for k, v in aids["aids"].items()}
    subjects = {}
    for s in subj["subjects"]:
        for a in s.get("aids", []):
            if a not in aid_map:
                raise ValueError(f"{base / 'subjects.json'}: subject {s['code']}: unknown aid {a!r}")
        subjects[s["code"]] = Subject(
            s["code"], s["title"], s.get("title_en", s["title"]), int(s["minutes"]), bool(s.get("audio")),
            tuple(s.get("aids", ())), int(s.get("ovz_extra_minutes", subj.get("ovz_extra_minutes", 90))),
            bool(s.get("oral")),
        )
    schedule: dict[str, ScheduledDate] = {}
    if (base / "schedule.json").exists():
        for d in _read(base / "schedule.json")["dates"]:
            for code in d["subjects"]:
                if code not in subjects:
                    raise ValueError(f"{base / 'schedule.json'}: {d['date']}: unknown subject {code!r}")
            schedule[d["date"]] = ScheduledDate(d["date"], d["kind"], tuple(d["subjects"]))
    return Reference(
        year=chosen,
        subjects=subjects,
        aids=aid_map,
        desk_general=tuple(DeskItem(d["key"], d["title"], d.get("title_en", d["title"]), bool(d.get("ovz_only")))
                           for d in aids["desk_general"]),
        forbidden=tuple(DeskItem(d["key"], d["title"], d.get("title_en", d["title"])) for d in aids["forbidden"]),
        forms={f["code"]: FormInfo(f["code"], f["slug"], f["title"], f["where"]) for f in forms["forms"]},
        ovz_extra_minutes=int(subj.get("ovz_extra_minutes", 90)),
        start_local=subj.get("start_local", "10:00"),
        admission_local=subj.get("admission_local", "09:00"),
        no_show_stop_after_minutes=int(subj.get("no_show_stop_after_minutes", 120)),
        warnings_before_end_minutes=tuple(subj.get("warnings_before_end_minutes", (30, 5))),
        schedule=schedule,
    )
