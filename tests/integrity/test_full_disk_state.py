"""A mark whose commit fails (a full disk) shows in no room state, not even in one a window already holds.

The record path folds the new event into the cached room state under the write lock, before the commit
(app/services/station.py, EventLog.append's ``fold``): a commit that then fails must put that state back
as the log holds it, in place.
"""

from __future__ import annotations

import shutil

import pytest

from app.errors import UserError
from tests.integrity.conftest import fill


def _marks(state) -> list[tuple[str, str | None, dict]]:
    return [(e.kind, e.participant, e.payload) for e in state.events]


def _logged(st, room: str) -> list[tuple[str, str | None, dict]]:
    """The room's marks as a fresh projection of the log gives them."""
    from app.domain.projection import project_room

    return _marks(project_room(st.plan, st.ref, room, st.log.for_room_state(st.day.key, room)))


def test_a_mark_whose_commit_fails_is_taken_back_from_the_held_state(demo_db, small_disk, clock):
    from app.services.station import Station

    db = small_disk / "room.db"
    shutil.copy(demo_db, db)
    st = Station.open(db, clock=clock)
    try:
        codes = [p.code for p in st.plan.room_participants("0101")]
        st.record("admitted", "0101", codes[0])
        held = st.room_state("0101")  # as a window holds it between marks
        filler = fill(small_disk)
        failed = None
        for i in range(60):  # the -wal file may still have room for a few pages: mark until it is full
            try:
                st.record("extra-sheet", "0101", codes[0], payload={"sheet": f"{i:07d}"})
            except UserError:
                failed = f"{i:07d}"
                break
        assert failed is not None, "the disk never filled"
        logged = _logged(st, "0101")
        assert {"sheet": failed} not in [m[2] for m in _marks(held)]
        assert failed not in held.sheet_holders
        assert failed not in [sheet for sheet, _, _ in held.participants[codes[0]].extra_sheets]
        assert _marks(held) == logged
        assert _marks(st.room_state("0101")) == logged
        filler.unlink()
        st.record("extra-sheet", "0101", codes[0], payload={"sheet": failed})  # room again: it goes in once
        assert _marks(st.room_state("0101")).count(("extra-sheet", codes[0], {"sheet": failed})) == 1
        assert st.verify() == []
    finally:
        st.close()


def test_a_fold_that_fails_commits_nothing(station, monkeypatch):
    """The fold runs before the commit: if it raises, the mark is not written and the state is the log's."""
    from app.services import station as station_module

    code = station.plan.room_participants("0101")[0].code
    station.record("admitted", "0101", code)
    held = station.room_state("0101")
    n = station.log.count()

    def broken(state, e, at=None):
        state.events.append(e)  # half done, then it fails
        raise RuntimeError("fold failed")

    monkeypatch.setattr(station_module, "apply_new", broken)
    with pytest.raises(RuntimeError):
        station.record("extra-sheet", "0101", code, payload={"sheet": "0000001"})
    monkeypatch.undo()
    assert station.log.count() == n
    assert _marks(held) == _marks(station.room_state("0101")) == _logged(station, "0101")
    assert station.record("extra-sheet", "0101", code, payload={"sheet": "0000001"}).event.seq == n + 1
