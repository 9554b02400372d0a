"""Power cuts that can fail: unsynced writes are dropped (FUSE), every acknowledged mark survives.

A SIGKILL keeps the OS page cache, so tests/store/test_durability.py passes with synchronous=OFF
too. Here bench/powerfs.py keeps every write not yet fsync'd in its own memory and the power cut
kills it: with synchronous=FULL nothing acknowledged is lost, with OFF acknowledged marks are.
The long campaign: ``.venv/bin/python -m bench.powercut --trials 200``.
"""

from __future__ import annotations

import pytest

from bench import powercut

pytestmark = [pytest.mark.powercut, pytest.mark.skipif(powercut.available() is not None,
                                                       reason=str(powercut.available()))]


def test_twenty_power_cuts_lose_no_acknowledged_mark():
    c = powercut.campaign(20, seed=1405, sync="full", log=None)
    assert c.cases == 20 and c.acked > 100
    assert (c.lost, c.verify_failures, c.tracebacks) == (0, 0, 0), c.notes[:1]


def test_the_harness_sees_the_loss_with_synchronous_off():
    c = powercut.campaign(3, seed=7, sync="off", log=None)
    assert c.acked > 0 and c.lost > 0 and c.trials_losing >= 2
