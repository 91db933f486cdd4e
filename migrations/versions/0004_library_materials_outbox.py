"""library: materials, files, subtitles, views and the search outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 21:32:56.888231

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('library_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_outbox'))
    )
    op.create_table('library_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('description', sa.JSON(), nullable=False),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('courses', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('audio_language', sa.String(length=8), nullable=True),
    sa.Column('duration_s', sa.Integer(), nullable=True),
    sa.Column('producer', sa.String(length=160), nullable=True),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('allow_download', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('failure_reason', sa.String(length=500), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_library_materials_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_materials')),
    sa.UniqueConstraint('slug', name=op.f('uq_library_materials_slug'))
    )
    with op.batch_alter_table('library_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_materials_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('library_material_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_library_material_files_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['material_id'], ['library_materials.id'], name=op.f('fk_library_material_files_material_id_library_materials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_material_files')),
    sa.UniqueConstraint('material_id', 'role', name=op.f('uq_library_material_files_material_id'))
    )
    with op.batch_alter_table('library_material_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_material_files_file_id'), ['file_id'], unique=False)

    op.create_table('library_subtitles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('cues', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_library_subtitles_file_id_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['material_id'], ['library_materials.id'], name=op.f('fk_library_subtitles_material_id_library_materials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_subtitles')),
    sa.UniqueConstraint('material_id', 'lang', name=op.f('uq_library_subtitles_material_id'))
    )
    with op.batch_alter_table('library_subtitles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_subtitles_file_id'), ['file_id'], unique=False)

    op.create_table('library_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('viewer', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['library_materials.id'], name=op.f('fk_library_views_material_id_library_materials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_views')),
    sa.UniqueConstraint('material_id', 'viewer', 'day', name=op.f('uq_library_views_material_id'))
    )
    with op.batch_alter_table('library_views', schema=None) as batch_op:
        batch_op.create_index('ix_library_views_day', ['day'], unique=False)



def downgrade():
    with op.batch_alter_table('library_views', schema=None) as batch_op:
        batch_op.drop_index('ix_library_views_day')

    op.drop_table('library_views')
    with op.batch_alter_table('library_subtitles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_subtitles_file_id'))

    op.drop_table('library_subtitles')
    with op.batch_alter_table('library_material_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_material_files_file_id'))

    op.drop_table('library_material_files')
    with op.batch_alter_table('library_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_materials_created_by_id'))

    op.drop_table('library_materials')
    op.drop_table('library_outbox')
