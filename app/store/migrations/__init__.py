"""Schema migrations (Alembic, run programmatically; no alembic.ini needed).

``HEAD`` names the newest revision so that opening an up-to-date database does not
import Alembic at all (start-up is mostly imports: shared/pitfalls.md §7).
"""

from __future__ import annotations

from pathlib import Path

HEAD = "0006h"  # signed room heads (after 0005g)
VERSIONS = Path(__file__).resolve().parent / "versions"


def upgrade(connection, target: str = "head") -> None:
    """Run migrations on an open SQLAlchemy connection up to ``target``."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent))
    script = ScriptDirectory.from_config(cfg)

    def do_upgrade(rev, context):
        return script._upgrade_revs(target, rev)

    with EnvironmentContext(cfg, script, fn=do_upgrade, destination_rev=target) as env:
        env.configure(connection=connection, target_metadata=None, render_as_batch=True)
        with env.begin_transaction():
            env.run_migrations()


def script_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent))
    return ScriptDirectory.from_config(cfg).get_current_head()
