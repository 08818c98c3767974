"""Alembic environment. Runs on a connection handed over by `lms_adapters.persistence.migrate`."""

from __future__ import annotations

from alembic import context

from lms_adapters.persistence.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `lms db upgrade` or lms_adapters.persistence.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
