"""Reference entities of an exam day: exam point, day, rooms, participants, staff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

# Seat letters as used on Russian seating plans ("1А", "2Б"); Й is skipped as on paper plans.
SEAT_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"
_SEAT_RE = re.compile(r"^([0-9]{1,2})([" + SEAT_LETTERS + r"])$")
# Latin look-alikes typed by mistake or read by a scanner.
_LATIN_TO_CYRILLIC = str.maketrans("ABEKMHOPCTXabekmhopctx", "АВЕКМНОРСТХавекмнорстх")


def normalize_seat(label: str) -> str:
    """Upper-case a seat label and turn Latin look-alike letters into Cyrillic ones."""
    return label.strip().translate(_LATIN_TO_CYRILLIC).upper()


@lru_cache(maxsize=4096)
def parse_seat(label: str) -> tuple[int, int]:
    """Return (row, index) for a label like "3В"; raises ValueError on a bad label.

    Cached: a list of 20,000 rows names a few hundred distinct seats."""
    m = _SEAT_RE.match(normalize_seat(label))
    if not m:
        raise ValueError(f"bad seat label {label!r}: expected row number and letter, e.g. 1А")
    return int(m.group(1)), SEAT_LETTERS.index(m.group(2))


def seat_label(row: int, index: int) -> str:
    return f"{row}{SEAT_LETTERS[index]}"


@lru_cache(maxsize=1024)
def room_number(text: str) -> str:
    """Room numbers are four characters with leading zeros ("0012")."""
    text = text.strip()
    if not text or len(text) > 4 or not text.isalnum():
        raise ValueError(f"bad room number {text!r}: up to 4 letters or digits")
    return text.zfill(4)


class _Named:
    """Name formatting shared by participants and staff ("Иванова Анна Петровна", "Иванова А.П.")."""

    last_name: str
    first_name: str
    middle_name: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


@dataclass(frozen=True)
class ExamPoint:
    region: str  # 2 digits
    msu: str  # 3 digits
    code: str  # 4 digits
    name: str
    tz: str  # IANA zone, e.g. Asia/Yekaterinburg
    address: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_key(key: str) -> str:
    """The exam date 'YYYY-MM-DD' of a day key.

    Events and lists written before the exam period became the unit carry 'YYYY-MM-DD/SS' (date and
    subject); events are never rewritten, so every reader folds both spellings onto the date.
    """
    d = key[:10]
    if not _DATE_RE.match(d) or not d.isascii() or (len(key) > 10 and not re.fullmatch(r"/\d{2}", key[10:])):
        raise ValueError(f"bad exam date {key!r}: expected YYYY-MM-DD")
    date.fromisoformat(d)
    return d


@dataclass(frozen=True)
class ExamDay:
    """One exam date of the period at an exam point, with every subject held on it that date."""

    date: date
    subjects: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.subjects, str):  # ExamDay(d, "01"): a date with one subject
            object.__setattr__(self, "subjects", (self.subjects,) if self.subjects else ())
        else:
            object.__setattr__(self, "subjects", tuple(self.subjects))

    @property
    def key(self) -> str:
        return _date_text(self.date)

    @staticmethod
    def from_key(key: str, subjects: tuple[str, ...] = ()) -> ExamDay:
        """Parse 'YYYY-MM-DD' (or a legacy 'YYYY-MM-DD/SS', whose subject is kept)."""
        d = date_key(key)
        if not subjects and len(key) > 10:
            subjects = (key[11:],)
        return ExamDay(date.fromisoformat(d), tuple(subjects))

    def local(self, hhmm: str, tz: str) -> datetime:
        """The aware instant of a local wall-clock time on this day."""
        return _local_instant(self.date, hhmm, tz)


@lru_cache(maxsize=64)
def _date_text(d: date) -> str:
    """'YYYY-MM-DD' of an exam date (asked on every mark: made once per date)."""
    return d.isoformat()


@lru_cache(maxsize=256)
def _local_instant(d: date, hhmm: str, tz: str) -> datetime:
    """The rules ask for the same few instants (admission, start) on every mark: each made once."""
    return datetime.combine(d, time.fromisoformat(hhmm), tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Room:
    number: str
    rows: int
    seats_per_row: int
    name: str = ""

    def seat_labels(self) -> list[str]:
        return [seat_label(r, i) for r in range(1, self.rows + 1) for i in range(self.seats_per_row)]

    @property
    def capacity(self) -> int:
        return self.rows * self.seats_per_row


@dataclass(frozen=True)
class Participant(_Named):
    code: str
    last_name: str
    first_name: str
    middle_name: str
    document_series: str
    document_number: str
    school_code: str
    room: str
    seat: str
    day: str  # the exam date, ExamDay.key
    ovz: bool = False
    subject_code: str = ""  # the subject this participant sits on that date


    @property
    def document(self) -> str:
        return f"{self.document_series} {self.document_number}".strip()


@dataclass(frozen=True)
class StaffMember(_Named):
    code: str
    last_name: str
    first_name: str
    middle_name: str
    role: str  # organizer-room, organizer-outside, ppe-head, gek, medic, observer, tech
    room: str = ""  # assigned room for room organizers
    lead: bool = False



@dataclass
class DayPlan:
    """Everything a station needs to run one exam date: the reference side of the record.

    A date holds one or more subjects; each room holds the subject of its list rows (a room whose
    rows name two subjects is possible: import warns, and ends stay per participant).
    """

    point: ExamPoint
    day: ExamDay
    rooms: dict[str, Room] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)

    def room_participants(self, room: str) -> list[Participant]:
        ps = [p for p in self.participants.values() if p.room == room]
        return sorted(ps, key=lambda p: _seat_sort_key(p.seat))

    def room_staff(self, room: str) -> list[StaffMember]:
        return [s for s in self.staff.values() if s.room == room]

    def room_subjects(self, room: str) -> list[str]:
        """Subjects of the room's list rows, the most common first (ties by code)."""
        counts: dict[str, int] = {}
        for p in self.participants.values():
            if p.room == room and p.subject_code:
                counts[p.subject_code] = counts.get(p.subject_code, 0) + 1
        return sorted(counts, key=lambda c: (-counts[c], c))

    def room_subject(self, room: str) -> str:
        """The subject the room holds on this date ('' for a room with nobody on the list)."""
        subjects = self.room_subjects(room)
        if subjects:
            return subjects[0]
        return self.day.subjects[0] if len(self.day.subjects) == 1 else ""

    @property
    def subjects(self) -> list[str]:
        return sorted({p.subject_code for p in self.participants.values() if p.subject_code}
                      or set(self.day.subjects))

    def subject_rooms(self, subject: str) -> list[str]:
        return sorted(n for n in self.rooms if self.room_subject(n) == subject)


def _seat_sort_key(label: str) -> tuple[int, int, str]:
    try:
        r, i = parse_seat(label)
        return (r, i, "")
    except ValueError:
        return (999, 999, label)


seat_sort_key = _seat_sort_key
