"""Russian grammar the screen needs: a participant's grammatical gender, from the patronymic.

«Не явился · Белов А.Е.» but «Не явилась · Морозова В.И.»: Russian past-tense verbs and short
participles agree with the person. The patronymic says it reliably (-вна/-чна/-инична → feminine,
-вич/-ич → masculine, also «кызы»/«оглы»); without one, the surname's ending is a fair guess;
failing both, the masculine form (the form of the official documents) is used.
"""

from __future__ import annotations

from app.i18n import N_

FEMININE, MASCULINE = "f", "m"

# kind -> the feminine msgid of its title for one participant (English: the same words)
FEMININE_TITLES: dict[str, str] = {
    "admitted": N_("Admitted (feminine)"),
    "absent": N_("Did not come (feminine)"),
    "exit": N_("Left the room (feminine)"),
    "return": N_("Returned to the room (feminine)"),
    "finished": N_("Finished and handed in (feminine)"),
}
# kind -> the singular masculine msgid where the kind's own title is a plural or a column header
MASCULINE_TITLES: dict[str, str] = {"absent": N_("Did not come")}


def gender(middle_name: str, last_name: str = "") -> str:
    """"f" or "m": from the patronymic, else the surname's ending, else masculine."""
    m = middle_name.strip().casefold()
    if m.endswith(("вна", "чна", "кызы", "гызы")):
        return FEMININE
    if m.endswith(("вич", "ич", "оглы", "улы", "уулу")):
        return MASCULINE
    s = last_name.strip().casefold()
    if s.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая")):
        return FEMININE
    return MASCULINE


def participant_title(kind: str, kind_title: str, g: str) -> str:
    """The msgid of an event's title about one participant of gender ``g``."""
    if g == FEMININE and kind in FEMININE_TITLES:
        return FEMININE_TITLES[kind]
    return MASCULINE_TITLES.get(kind, kind_title)
