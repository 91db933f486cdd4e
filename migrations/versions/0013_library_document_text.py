"""library: the words of documents (PDF pages...) for the search index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'library_document_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=True),
        sa.Column('paged', sa.Boolean(), nullable=False),
        sa.Column('pages', sa.JSON(), nullable=False),
        sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'],
                                name=op.f('fk_library_document_texts_file_id_stored_files'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['material_id'], ['library_materials.id'],
            name=op.f('fk_library_document_texts_material_id_library_materials'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_library_document_texts')),
        sa.UniqueConstraint('material_id', name=op.f('uq_library_document_texts_material_id')),
    )
    with op.batch_alter_table('library_document_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_library_document_texts_file_id'), ['file_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('library_document_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_document_texts_file_id'))
    op.drop_table('library_document_texts')
