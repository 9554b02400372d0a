"""Reference entities of an exam day: exam point, day, rooms, participants, staff."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

# Seat letters as used on Russian seating plans ("1А", "2Б"); Й is skipped as on paper plans.
SEAT_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"
_SEAT_RE = re.compile(r"^(\d{1,2})([" + SEAT_LETTERS + r"])$")
# Latin look-alikes typed by mistake or read by a scanner.
_LATIN_TO_CYRILLIC = str.maketrans("ABEKMHOPCTXabekmhopctx", "АВЕКМНОРСТХавекмнорстх")


def normalize_seat(label: str) -> str:
    """Upper-case a seat label and turn Latin look-alike letters into Cyrillic ones."""
    return label.strip().translate(_LATIN_TO_CYRILLIC).upper()


def parse_seat(label: str) -> tuple[int, int]:
    """Return (row, index) for a label like "3В"; raises ValueError on a bad label."""
    m = _SEAT_RE.match(normalize_seat(label))
    if not m:
        raise ValueError(f"bad seat label {label!r}: expected row number and letter, e.g. 1А")
    return int(m.group(1)), SEAT_LETTERS.index(m.group(2))


def seat_label(row: int, index: int) -> str:
    return f"{row}{SEAT_LETTERS[index]}"


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


@dataclass(frozen=True)
class ExamDay:
    date: date
    subject_code: str

    @property
    def key(self) -> str:
        return f"{self.date.isoformat()}/{self.subject_code}"

    @staticmethod
    def from_key(key: str) -> ExamDay:
        d, s = key.split("/")
        return ExamDay(date.fromisoformat(d), s)

    def local(self, hhmm: str, tz: str) -> datetime:
        """The aware instant of a local wall-clock time on this day."""
        t = time.fromisoformat(hhmm)
        return datetime.combine(self.date, t, tzinfo=ZoneInfo(tz))


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
    day: str  # ExamDay.key
    ovz: bool = False


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
    """Everything a station needs to run one exam day: the reference side of the record."""

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


def _seat_sort_key(label: str) -> tuple[int, int, str]:
    try:
        r, i = parse_seat(label)
        return (r, i, "")
    except ValueError:
        return (999, 999, label)


seat_sort_key = _seat_sort_key
