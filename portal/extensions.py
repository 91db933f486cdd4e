"""Extensions, created once and unbound; ``create_app`` binds them."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Row
from sqlalchemy.orm import DeclarativeBase

from .i18n import PortalBabel

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = PortalBabel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def read_rows(statement, params: dict | None = None) -> list[Row]:
    """The rows of a statement of columns (not ORM objects), for a page that only reads them:
    through the session's connection and transaction, without the ORM's execution layer (about
    half the cost of ``db.session.execute`` for a dashboard panel's query). Pending changes are
    not flushed first: never for a statement that must see what this request changed."""
    return db.session.connection().execute(statement, params or {}).all()
