"""announcements and staff notifications: who received which announcement (read, dismissed),
staff's choice of notification, each event notified and each day's digest

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('recipients_count', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_announcements_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_sent_at'), ['sent_at'], unique=False)

    op.create_table('notice_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_preferences'))
    )
    op.create_table('staff_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['mail_id'], ['mail_outbox.id'], name=op.f('fk_staff_digests_mail_id_mail_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_digests')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_staff_digests_user_id'))
    )
    op.create_table('announcement_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_recipients_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mail_id'], ['mail_outbox.id'], name=op.f('fk_announcement_recipients_mail_id_mail_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_announcement_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_recipients')),
    sa.UniqueConstraint('announcement_id', 'user_id', name=op.f('uq_announcement_recipients_announcement_id'))
    )
    with op.batch_alter_table('announcement_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_recipients_user_dismissed', ['user_id', 'dismissed_at'], unique=False)

    op.create_table('staff_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=20), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('extension_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_staff_notices_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_staff_notices_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['digest_id'], ['staff_digests.id'], name=op.f('fk_staff_notices_digest_id_staff_digests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['extension_id'], ['assignment_extensions.id'], name=op.f('fk_staff_notices_extension_id_assignment_extensions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mail_id'], ['mail_outbox.id'], name=op.f('fk_staff_notices_mail_id_mail_outbox'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['users.id'], name=op.f('fk_staff_notices_participant_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_notices_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['submission_versions.id'], name=op.f('fk_staff_notices_version_id_submission_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notices')),
    sa.UniqueConstraint('user_id', 'extension_id',
                        name=op.f('uq_staff_notices_user_id_extension_id')),
    sa.UniqueConstraint('user_id', 'version_id', name=op.f('uq_staff_notices_user_id_version_id'))
    )
    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notices_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_staff_notices_waiting', ['delivery', 'digest_id'], unique=False)



def downgrade():
    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_notices_waiting')
        batch_op.drop_index(batch_op.f('ix_staff_notices_user_id'))

    op.drop_table('staff_notices')
    with op.batch_alter_table('announcement_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_recipients_user_dismissed')

    op.drop_table('announcement_recipients')
    op.drop_table('staff_digests')
    op.drop_table('notice_preferences')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_sent_at'))
        batch_op.drop_index(batch_op.f('ix_announcements_course_id'))

    op.drop_table('announcements')
