"""Short seeds of the bench/ campaigns (the long runs: see each module's docstring)."""

from __future__ import annotations

from bench import campaign_cli, campaign_dbedit


def test_cli_bad_input_short_seed():
    c = campaign_cli.campaign(80, seed=3)
    assert c.cases == 80
    assert (c.tracebacks, c.partial_writes, c.multi_line) == (0, 0, 0), c.examples[:3]
    assert c.accepted == 0, c.examples[:3]


def test_direct_database_edits_short_seed():
    c = campaign_dbedit.campaign(len(campaign_dbedit.KINDS) * 2, seed=3)
    assert c.tracebacks == 0
    assert c.refused >= 8 and c.detected >= 20
    # a forged event appended after the anchored head, or tail deletion with the anchor removed, is a
    # warning; a bit flip outside the event log (list data, free pages) can go unseen
    assert set(c.flagged_by) <= {"append-forged", "delete-anchor-and-tail"}
    assert set(c.missed_by) <= {"garble-file"}, c.missed_by
