"""library: processing progress (step, percent, heartbeat), failure codes, declared duration and
the incomplete-file flag

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (SQLite has them too): a batch would copy the table for nothing.
    op.add_column('library_materials', sa.Column('failure_code', sa.String(length=40),
                                                 nullable=True))
    op.add_column('library_materials', sa.Column('processing_step', sa.String(length=12),
                                                 nullable=True))
    op.add_column('library_materials', sa.Column('progress', sa.Integer(), nullable=True))
    op.add_column('library_materials', sa.Column('heartbeat_at', sa.DateTime(timezone=True),
                                                 nullable=True))
    op.add_column('library_materials', sa.Column('declared_duration_s', sa.Integer(),
                                                 nullable=True))
    op.add_column('library_materials', sa.Column('incomplete', sa.Boolean(),
                                                 server_default=sa.false(), nullable=False))
    # Materials left processing by the version before: queued again by the next sweep.
    op.execute("UPDATE library_materials SET processing_step = 'queued' "
               "WHERE state = 'processing'")


def downgrade():
    with op.batch_alter_table('library_materials', schema=None) as batch_op:
        batch_op.drop_column('incomplete')
        batch_op.drop_column('declared_duration_s')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('progress')
        batch_op.drop_column('processing_step')
        batch_op.drop_column('failure_code')
