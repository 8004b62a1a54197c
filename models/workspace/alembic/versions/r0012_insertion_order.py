"""An explicit insertion-order column where the key says nothing of the order rows came in.

``decisions``, ``conflicts``, ``session_applications`` and ``resubmissions`` are keyed by a uuid or by names, and
their readers ordered rows of the same second by SQLite's ``rowid``, which PostgreSQL does not have. Each gets
``insertion_order``, an integer every insert sets to one more than the table's largest
(``models.workspace.database.insert_in_order_sql``), unique, and filled here from ``rowid`` for the rows a
workspace already holds, so that every reader keeps its order. The column is an ordinary one: the capture logs it
with the row and ``audit verify`` names it when it is edited. Tables with an integer primary key (``imports``,
``audit_changes``) need none: their key is their ``rowid``.

On SQLite the capture triggers of these tables are dropped first (the numbering is not a change of anyone's, and the
snapshot event of this migration run logs every table whole, with the new column, after the triggers are made
again for the tables as they now are).

Revision ID: 0012_insertion_order
Revises: 0011_array_rows
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.workspace import dialect, tables
from models.workspace.database import INSERTION_ORDER, ORDERED_TABLES

revision = "0012_insertion_order"
down_revision: str | None = "0011_array_rows"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    engine = op.get_bind().dialect.name
    for table in ORDERED_TABLES:
        if engine == dialect.SQLITE:
            for when in ("insert", "update", "delete"):
                op.execute(f'DROP TRIGGER IF EXISTS "{dialect.SQLITE_CAPTURE_TRIGGER_PREFIX}{table}_{when}"')
        op.add_column(table, sa.Column(INSERTION_ORDER, sa.Integer(), nullable=True))
        op.execute(dialect.number_rows_as_inserted(engine, table, INSERTION_ORDER))
        with op.batch_alter_table(table) as batch:
            batch.alter_column(INSERTION_ORDER, existing_type=sa.Integer(), nullable=False)
        op.create_index(f"{table}_{INSERTION_ORDER}", table, [INSERTION_ORDER], unique=True)
        if engine == dialect.POSTGRESQL:  # its capture function logs the row with the new column
            for statement in dialect.postgres_capture(tables.metadata.tables[table]):
                op.execute(statement)
