"""Commands: ``create-user``, ``seed-demo``, and the ``config``, ``translations``, ``jobs`` and
``mail`` groups."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import config as configuration, demo, jobs
from .access import ROLES
from .auth import services as accounts
from .auth.services import MIN_PASSWORD
from .config import ROOT
from .i18n import LANGUAGES
from .mail import delivery as mail_delivery
from .mail.cli import mail_cli


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(config)
    app.cli.add_command(translations)
    app.cli.add_command(jobs.jobs_cli)
    app.cli.add_command(mail_cli)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="participant", show_default=True)
@click.option("--name", default=None, help="Full name (default: the part before @).")
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--invite", is_flag=True, help="E-mail an invitation instead of asking for a "
                                              "password.")
@with_appcontext
def create_user(email, role, name, language, invite):
    """Create an account: send an invitation, or set a password typed at the prompt."""
    if accounts.find_user_by_email(email):
        raise click.ClickException("an account with this e-mail address exists already")
    user = accounts.create_user(email, name or email.split("@")[0], role, language=language)
    if invite:
        accounts.invite(user)
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            raise click.ClickException("the password needs at least %d characters" % MIN_PASSWORD)
        user.set_password(password)
    jobs.commit()
    click.echo("created %s (%s)%s" % (user.email, role, _invitation_news(user) if invite else ""))


def _invitation_news(user) -> str:
    """What became of the invitation: sent only when the SMTP server took it."""
    invitation = mail_delivery.latest(user.email, "invitation")
    if invitation is None or invitation.state == "sent":
        return ", invitation sent"
    return (", invitation queued but not delivered (SMTP: %s); `flask mail deliver` retries it"
            % invitation.last_error)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo data (idempotent) and print the demo accounts."""
    people = demo.load()
    jobs.commit()
    click.echo("Demo accounts (password: the DEMO_PASSWORD setting, or %r):"
               % demo.DEFAULT_PASSWORD)
    for email, role, name in people:
        click.echo("  %-36s %-12s %s" % (email, role, name))
    click.echo("Two-step sign-in of the admin and coordinator: authenticator key %s "
               "(docs/TWO_STEP.md)" % demo.DEMO_TOTP_SECRET)


@click.group()
def config():
    """The settings (portal/config.py): the effective ones, or the README's table."""


@config.command()
@with_appcontext
def show():
    """Print every setting: variable, effective value (secrets masked), where it came from."""
    sources = current_app.config["CONFIG_SOURCES"]
    width = max(len(setting.env) for setting in configuration.SETTINGS)
    for setting in configuration.SETTINGS:
        value = configuration.shown(setting, current_app.config[setting.name])
        if setting.env == "ASR_MODEL":  # the optional engine: there or not
            from .library.transcription import engine_note
            value = "%s  (%s)" % (value, engine_note())
        click.echo("%-*s  %-11s  %s" % (width, setting.env, sources[setting.env], value))


@config.command()
def table():
    """Print the README's configuration table (Markdown), made from the code's."""
    click.echo(configuration.markdown_table())


@click.group()
def translations():
    """Extract, update and compile the interface catalogs."""


def _pybabel(*args: str) -> None:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run([pybabel, *args], check=True, cwd=ROOT)


@translations.command()
def extract():
    """Collect messages from code and templates into translations/messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
             "-o", "translations/messages.pot", ".")


@translations.command()
def update():
    """Extract, then merge new messages into the French and Spanish catalogs."""
    extract.callback()
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations",
             "--no-fuzzy-matching", "--ignore-obsolete")


@translations.command()
@click.argument("table", type=click.File("r", encoding="utf-8"))
def add(table):
    """Add translated messages from a JSON table to the template and every catalog.

    TABLE: {"msgid": {"fr": "...", "es": "..."}, "one %(num)s": {"plural": "many %(num)s",
    "fr": ["...", "..."], "es": ["...", "..."]}}. Existing entries are updated. A file lock
    keeps several people adding at once from overwriting each other.
    """
    import fcntl
    import json

    entries = json.load(table)
    with open(ROOT / "translations" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _merge(ROOT / "translations" / "messages.pot", entries, None)
        for lang in ("fr", "es"):
            _merge(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", entries, lang)
    click.echo("added %d messages" % len(entries))


def _merge(path: Path, entries: dict, lang: str | None) -> None:
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    for msgid, spec in entries.items():
        key = (msgid, spec["plural"]) if "plural" in spec else msgid
        if lang is None:
            value = ("", "") if "plural" in spec else ""
        else:
            value = tuple(spec[lang]) if "plural" in spec else spec[lang]
        if msgid in catalog:
            del catalog[msgid]
        catalog.add(key, value)
    with path.open("wb") as f:
        write_po(f, catalog, width=76, sort_output=lang is None)


@translations.command()
def compile():
    """Build the .mo files (they are not committed)."""
    _pybabel("compile", "-d", "translations")
