"""The day pack painted in print workers (app.forms.pool) beside the calling process."""

from __future__ import annotations

import pytest

from tests.forms.conftest import pdf_text


@pytest.fixture
def pool():
    from app.forms import pool as p

    yield p
    p.shutdown()


def printed_events(st) -> list[dict]:
    return [e.payload for e in st.point_events() if e.kind == "papers-printed"]


def test_day_pack_with_a_worker_equals_the_pack_painted_here(day, tmp_path, pool):
    from app.forms.api import render_day_pack

    st, _ = day
    here = render_day_pack(st, tmp_path / "here", workers=0)
    before = len(printed_events(st))
    there = render_day_pack(st, tmp_path / "there", workers=1)
    assert pool.last_cpu and pool.last_cpu[0] > 0  # the worker painted a share
    assert [(p.path.relative_to(tmp_path / "here"), p.form, p.pages) for p in here] == \
           [(p.path.relative_to(tmp_path / "there"), p.form, p.pages) for p in there]
    for a, b in zip(here, there, strict=True):  # same documents, word for word (a text painted from
        # cached glyph runs reads back with a line break where Qt's layout split it into script runs)
        assert " ".join(pdf_text(a.path).split()) == " ".join(pdf_text(b.path).split())
    assert len(printed_events(st)) == before + 1  # one print job, one register entry
    assert not list((tmp_path / "there").rglob("*.tmp"))


def test_a_dead_worker_leaves_its_share_to_this_process(day, tmp_path, pool, monkeypatch):
    from app.forms.api import render_day_pack

    st, _ = day
    workers = pool.warm(1)
    workers[0].wait_ready()
    workers[0].proc.kill()  # dies after it was handed out, before its share arrives
    workers[0].proc.wait()
    monkeypatch.setattr(pool, "get", lambda n=None: workers)
    printed = render_day_pack(st, tmp_path / "pack", workers=1)
    assert pool.last_cpu == []  # no worker finished a share
    assert all(p.path.exists() and p.pages >= 1 for p in printed)
    from app.forms.sources import HQ_FORMS

    assert len(printed) == len(st.plan.rooms) + len(HQ_FORMS) + 5


def test_workers_only_for_idle_cores(monkeypatch):
    from app.forms import pool

    monkeypatch.delenv("AUDITORIA_PRINT_WORKERS", raising=False)
    monkeypatch.setattr(pool.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (0.3, 0.3, 0.3))
    assert pool.default_workers() == 1  # a quiet 2-core laptop: one worker beside this process
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (12.0, 12.0, 12.0))
    assert pool.default_workers() == 0  # a busy machine: a worker would only queue for the same cores
    monkeypatch.setattr(pool.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(pool.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert pool.default_workers() == 3
    monkeypatch.setenv("AUDITORIA_PRINT_WORKERS", "0")
    assert pool.default_workers() == 0
