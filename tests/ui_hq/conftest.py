"""Fixtures of the HQ window's tests: a real municipal server on 127.0.0.1 (SQLite behind it)."""

from __future__ import annotations

import pytest

from tests.server.conftest import LiveServer


@pytest.fixture
def server(tmp_path):
    """``auditoria serve`` as a real subprocess on 127.0.0.1, on a fresh SQLite database."""
    srv = LiveServer(str(tmp_path / "server.db"), tmp_path / "server.log")
    yield srv
    srv.stop()
