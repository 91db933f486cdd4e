"""nominee imports remember how their file was read; users carry their accent-free search key

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:00:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# portal.auth.models.search_form (now portal.text.fold_words) as of this revision (a
# migration never imports the app).
_PLAIN = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th",
                        "ð": "d", "ı": "i", "ħ": "h", "ŧ": "t"})


def _search_form(text):
    folded = unicodedata.normalize("NFKD", (text or "").casefold()).translate(_PLAIN)
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def upgrade():
    op.add_column('enrollment_imports', sa.Column('reading', sa.JSON(), nullable=True))
    op.add_column('users', sa.Column('search_key', sa.String(length=1000), server_default='',
                                     nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                     sa.column('email', sa.String()), sa.column('search_key', sa.String()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.name, users.c.email)).all()
    for start in range(0, len(rows), 1000):
        conn.execute(users.update().where(users.c.id == sa.bindparam('uid'))
                     .values(search_key=sa.bindparam('key')),
                     [{'uid': r.id, 'key': _search_form('%s %s' % (r.name or '', r.email or ''))}
                      for r in rows[start:start + 1000]])


def downgrade():
    # Plain DROP COLUMNs (SQLite has them since 3.35): a batch would copy the users table and
    # lose its unique lower(email) index, which SQLAlchemy cannot reflect.
    op.drop_column('users', 'search_key')
    op.drop_column('enrollment_imports', 'reading')
