"""subtitle tracks: how the file was read (format, encoding and whether it was guessed, notes)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (SQLite has them too): a batch would copy the table for nothing.
    op.add_column('library_subtitles', sa.Column('source_format', sa.String(length=4),
                                                 nullable=True))
    op.add_column('library_subtitles', sa.Column('encoding', sa.String(length=24),
                                                 nullable=True))
    op.add_column('library_subtitles', sa.Column('encoding_confident', sa.Boolean(),
                                                 server_default=sa.true(), nullable=False))
    op.add_column('library_subtitles', sa.Column('notes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('library_subtitles', schema=None) as batch_op:
        batch_op.drop_column('notes')
        batch_op.drop_column('encoding_confident')
        batch_op.drop_column('encoding')
        batch_op.drop_column('source_format')
