"""The bulk tables' rows are logged as JSON arrays in column order, their column list once per migration run.

No table changes. ``applications``, ``application_evidence`` and ``assessments``
(``models.workspace.projection.ARRAY_ROW_TABLES``) were logged as a JSON object naming every column in every
row: at 200,000 imported applications 315 of the workspace's 505 MB. On SQLite the capture triggers are made
again after every migration run (``models.workspace.schema_upgrade``), so this revision's own work there is
that run: the triggers for the new form, and the 数据库结构快照 event that logs each such table's column list
(covered by its entry hash) before its rows, as the start of the replay. On PostgreSQL the capture functions
of those tables are replaced here. ``audit verify`` reads rows logged in either form.

Revision ID: 0011_array_rows
Revises: 0010_baseline
"""

from __future__ import annotations

from alembic import op

from models.workspace import dialect, projection, tables

revision = "0011_array_rows"
down_revision: str | None = "0010_baseline"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != dialect.POSTGRESQL:
        return
    for table in tables.metadata.sorted_tables:
        if table.name in projection.ARRAY_ROW_TABLES:
            for statement in dialect.postgres_capture(table, as_array=True):
                op.execute(statement)
