"""Baseline: the whole workspace schema as legacy migration ``0009_supersedes_index`` left it.

A new workspace is made by this revision; one the legacy steps built is stamped at it (after those steps have
brought it to 0009), so from here on every workspace takes the same revisions. The tables were rendered by
Alembic's autogenerate from ``models.workspace.tables`` and are frozen here, as history; the triggers differ by
engine and come from ``models.workspace.dialect`` (the capture triggers are made after every migration run,
for the tables as they then are, by ``models.workspace.schema_upgrade``).

Revision ID: 0010_baseline
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.workspace import dialect
from models.workspace import tables

revision = "0010_baseline"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table('application_versions',
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.Column('replaced_at', sa.Text(), nullable=False),
    sa.Column('replaced_by_import', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'version')
    )
    op.create_table('audit',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.Text(), nullable=False),
    sa.Column('hash', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('audit_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('op', sa.Text(), nullable=False),
    sa.Column('tbl', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('row', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('audit_changes_seq', 'audit_changes', ['seq', 'id'], unique=False)
    op.create_table('ca',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=True),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('key_blob', sa.LargeBinary(), nullable=True),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.CheckConstraint('id = 1'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('conflicts',
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=False),
    sa.Column('has_conflict', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.Text(), nullable=False),
    sa.Column('record', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('signature', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.PrimaryKeyConstraint('application_id', 'reviewer')
    )
    op.create_table('evidence',
    sa.Column('sha256', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    op.create_table('imports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=True),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('imported_at', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('policy_version', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('policy_by_year', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('resubmissions',
    sa.Column('uuid', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('returned_uuid', sa.Text(), nullable=False),
    sa.Column('resubmitted_at', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('changed_fields', sa.Text(), nullable=False),
    sa.Column('evidence_added', sa.Text(), nullable=False),
    sa.Column('evidence_removed', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('uuid')
    )
    op.create_index('resubmissions_application', 'resubmissions', ['application_id', 'resubmitted_at'], unique=False)
    op.create_table('reviewer_certificates',
    sa.Column('fingerprint', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.Text(), nullable=False),
    sa.Column('retired_at', sa.Text(), nullable=True),
    sa.Column('revoked_at', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('fingerprint')
    )
    op.create_table('reviewers',
    sa.Column('name', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('key_blob', sa.LargeBinary(), nullable=False),
    sa.Column('fingerprint', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'在用'"), nullable=False),
    sa.Column('revoked_at', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('sessions',
    sa.Column('session_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('direction', sa.Text(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_table('settings',
    sa.Column('key', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('sheet_records',
    sa.Column('code', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('record', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('sheets',
    sa.Column('code', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('serial', sa.Text(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('signer', sa.Text(), nullable=False),
    sa.Column('exported_at', sa.Text(), nullable=False),
    sa.Column('stored_sha256', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('application_evidence',
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['evidence.sha256'], ),
    sa.PrimaryKeyConstraint('application_id', 'position')
    )
    op.create_table('applications',
    sa.Column('application_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('enterprise', sa.Text(), nullable=False),
    sa.Column('uscc', sa.Text(), nullable=False),
    sa.Column('county', sa.Text(), nullable=False),
    sa.Column('industry', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Text(), nullable=False),
    sa.Column('recognised_on', sa.Text(), nullable=True),
    sa.Column('application_year', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('total_investment_yuan', tables.Money(), nullable=True),
    sa.Column('equipment_yuan', tables.Money(), nullable=True),
    sa.Column('land_efficiency', sa.Text(), nullable=True),
    sa.Column('superior_funding_yuan', tables.Money(), nullable=True),
    sa.Column('enclave_region', sa.Text(), nullable=True),
    sa.Column('performance', sa.Text(), nullable=True),
    sa.Column('requested_yuan', tables.Money(), nullable=True),
    sa.Column('attachments', sa.Text(), nullable=False),
    sa.Column('warnings', sa.Text(), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('demo', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('item_text', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], ),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_index('applications_uscc', 'applications', ['uscc'], unique=False)
    op.create_table('session_applications',
    sa.Column('session_id', sa.Text(), nullable=False),
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('merged_at', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.session_id'], ),
    sa.PrimaryKeyConstraint('session_id', 'application_id')
    )
    op.create_table('assessments',
    sa.Column('application_id', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('policy_version', sa.Text(), nullable=False),
    sa.Column('policy_hash', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('uncapped_yuan', tables.Money(), nullable=True),
    sa.Column('cap_yuan', tables.Money(), nullable=True),
    sa.Column('recommended_yuan', tables.Money(), nullable=True),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('trace', sa.Text(), nullable=False),
    sa.Column('record_hash', sa.Text(), nullable=False),
    sa.Column('assessed_at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.application_id'], ),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_table('decisions',
    sa.Column('uuid', sa.Text(), autoincrement=False, nullable=True),
    sa.Column('application_id', sa.Text(), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('amount_yuan', tables.Money(), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=False),
    sa.Column('policy_version', sa.Text(), nullable=False),
    sa.Column('policy_hash', sa.Text(), nullable=False),
    sa.Column('cap_record_hash', sa.Text(), nullable=False),
    sa.Column('cap_yuan', tables.Money(), nullable=True),
    sa.Column('decided_at', sa.Text(), nullable=False),
    sa.Column('supersedes', sa.Text(), nullable=True),
    sa.Column('current', sa.Integer(), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.application_id'], ),
    sa.PrimaryKeyConstraint('uuid')
    )
    op.create_index('decisions_current', 'decisions', ['application_id', 'stage', 'current'], unique=False)
    op.create_index('decisions_supersedes', 'decisions', ['supersedes'], unique=False)

    for statement in dialect.guard_triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("工作区数据库结构不支持降级；请从升级前的备份恢复")
