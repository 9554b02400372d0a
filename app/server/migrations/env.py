"""Alembic environment: migrations run on the connection handed to ``upgrade``."""
