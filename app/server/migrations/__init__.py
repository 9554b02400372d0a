"""Server schema migrations (Alembic, run programmatically on start; separate from the station's)."""

from __future__ import annotations

from pathlib import Path

HEAD = "s0010p"  # the page index on fig_schools, after the results per municipality (s0009m)
LOCATION = Path(__file__).resolve().parent


def _config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(LOCATION))
    return cfg


def upgrade(connection, target: str = "head") -> None:
    """Run the server migrations on an open connection (inside its transaction)."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = _config()
    script = ScriptDirectory.from_config(cfg)

    def do_upgrade(rev, context):
        return script._upgrade_revs(target, rev)

    with EnvironmentContext(cfg, script, fn=do_upgrade, destination_rev=target) as env:
        env.configure(connection=connection, target_metadata=None, version_table="server_alembic_version")
        with env.begin_transaction():
            env.run_migrations()


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()
