"""courses: the course a course was copied from (its previous year, issue 17.2)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_courses_previous_id_courses'), 'courses',
                                    ['previous_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_courses_previous_id'), ['previous_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_previous_id'))
        batch_op.drop_constraint(batch_op.f('fk_courses_previous_id_courses'),
                                 type_='foreignkey')
        batch_op.drop_column('previous_id')
