"""library: automatic transcripts (the "automatic" mark on a subtitle track, and the
transcription of each material: state, language, progress)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('library_subtitles', sa.Column('automatic', sa.Boolean(),
                                                 server_default=sa.false(), nullable=False))
    op.add_column('library_subtitles', sa.Column('generated_by', sa.String(length=120),
                                                 nullable=True))
    op.create_table(
        'library_transcriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=True),
        sa.Column('detected', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.String(length=40), nullable=True),
        sa.Column('failure_code', sa.String(length=40), nullable=True),
        sa.Column('failure_detail', sa.String(length=500), nullable=True),
        sa.Column('model', sa.String(length=200), nullable=True),
        sa.Column('audio_s', sa.Float(), nullable=True),
        sa.Column('took_s', sa.Float(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['material_id'], ['library_materials.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('material_id'),
    )


def downgrade():
    op.drop_table('library_transcriptions')
    with op.batch_alter_table('library_subtitles', schema=None) as batch_op:
        batch_op.drop_column('generated_by')
        batch_op.drop_column('automatic')
