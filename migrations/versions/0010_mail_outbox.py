"""mail outbox: every mail is a row until the SMTP server accepted it; reminders point to theirs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00

"""
import warnings
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


@contextmanager
def _users_index_unreflected():
    """SQLite's batch mode reflects the tables these refer to; SQLAlchemy cannot reflect the
    lower(email) index of users and warns (the index itself is untouched)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        yield


def upgrade():
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('message_id', sa.String(length=250), nullable=False),
        sa.Column('batch', sa.String(length=100), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=40), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
        sa.UniqueConstraint('message_id', name=op.f('uq_mail_outbox_message_id')),
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_batch'), ['batch'], unique=False)
        batch_op.create_index('ix_mail_outbox_due', ['state', 'next_attempt_at'], unique=False)
    for table in ('assignment_reminders', 'action_plan_reminders'):
        with _users_index_unreflected(), op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('mail_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_%s_mail_id_mail_outbox' % table),
                                        'mail_outbox', ['mail_id'], ['id'], ondelete='SET NULL')


def downgrade():
    for table in ('action_plan_reminders', 'assignment_reminders'):
        with _users_index_unreflected(), op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_%s_mail_id_mail_outbox' % table),
                                     type_='foreignkey')
            batch_op.drop_column('mail_id')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_due')
        batch_op.drop_index(batch_op.f('ix_mail_outbox_batch'))
    op.drop_table('mail_outbox')
