"""The room station: the organizer's screen for the exam day."""
