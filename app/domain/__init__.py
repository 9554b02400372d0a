"""Pure domain: exam day, rooms, participants, event kinds, projections and rules (no I/O)."""
