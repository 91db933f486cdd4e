"""courses: coordinators, catalogue fields, derived closing date; enrollment imports

Revision ID: 0003
Revises: 0002_storage
Create Date: 2026-11-22 21:31:03.074089

"""
import json
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002_storage'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_coordinators',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_coordinators_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_coordinators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'user_id', name=op.f('pk_course_coordinators'))
    )
    with op.batch_alter_table('course_coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_coordinators_user_id'), ['user_id'], unique=False)

    op.create_table('enrollment_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrollment_imports_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_enrollment_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment_imports'))
    )
    with op.batch_alter_table('enrollment_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollment_imports_course_id'), ['course_id'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objectives', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('outline', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('closes_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_courses_closes_on'), ['closes_on'], unique=False)

    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))

    _fill_closes_on()


def _fill_closes_on():
    """closes_on = a month after the last report falls due (Course.computed_closes_on)."""
    conn = op.get_bind()
    courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('departure', sa.Date),
                       sa.column('report_months', sa.JSON), sa.column('closes_on', sa.Date))
    for row in conn.execute(sa.select(courses.c.id, courses.c.departure,
                                      courses.c.report_months)).all():
        departure = row.departure if isinstance(row.departure, date) else \
            date.fromisoformat(str(row.departure))
        months = row.report_months
        months = json.loads(months) if isinstance(months, str) else (months or [])
        total = departure.month - 1 + max(months or [0]) + 1
        closes = date(departure.year + total // 12, total % 12 + 1, min(departure.day, 28))
        conn.execute(courses.update().where(courses.c.id == row.id).values(closes_on=closes))


def downgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_closes_on'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('closes_on')
        batch_op.drop_column('outline')
        batch_op.drop_column('objectives')

    with op.batch_alter_table('enrollment_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollment_imports_course_id'))
    op.drop_table('enrollment_imports')

    with op.batch_alter_table('course_coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_coordinators_user_id'))
    op.drop_table('course_coordinators')
