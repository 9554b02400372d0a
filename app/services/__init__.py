"""What a user does: the only entry points UI, CLI and tests call."""
