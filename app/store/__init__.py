"""Station database: schema, migrations, append-only event log, reference data."""
