"""Alembic's environment, run programmatically: the caller passes an open connection in ``config.attributes``.

That connection is inside the caller's transaction, so Alembic neither begins nor commits one: the revisions,
their version stamp, the capture triggers and the audit event that records them commit together or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import context

from models.workspace.tables import metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # only while Alembic runs this file; importing the module runs nothing
    run_migrations(context.config.attributes["connection"])
