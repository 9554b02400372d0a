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


def test_sigkill_short_seed():
    from bench import campaign_sigkill

    c = campaign_sigkill.campaign(4, seed=3, log=None)
    assert c.cases == 4 and c.acked > 0
    assert (c.lost, c.partial_writes, c.verify_failures, c.tracebacks) == (0, 0, 0, 0), c.notes[:2]


def test_list_fuzz_short_seed():
    from bench import campaign_listfuzz

    c = campaign_listfuzz.campaign(150, seed=3, log=None)
    assert c.cases == 150 and c.accepted > 10 and c.refused > 10
    assert (c.tracebacks, c.partial_writes, c.accepted_wrongly, c.rows_lost) == (0, 0, 0, 0), c.examples[:3]


def test_package_tamper_short_seed():
    from bench import campaign_tamper

    c = campaign_tamper.campaign(60, seed=3, log=None)
    assert c.cases == 60 and c.controls and c.controls_applied == c.controls  # the harness sees an import
    assert (c.applied, c.tracebacks, c.partial_writes, c.multi_line) == (0, 0, 0, 0), c.examples[:3]
