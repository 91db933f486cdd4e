"""``flask library import|export`` and ``flask index sync|worker|rebuild|status``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from . import document_text, indexing, transcription
from .manifest import export_catalogue, import_manifest
from .models import Material
from .routes import bp
from .services import get_material


@bp.cli.command("import")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(manifest: Path):
    """Load (or update) the materials a manifest.json describes; idempotent by id. Videos are
    processed before it ends: it exits 1 if an item was refused, its processing failed, or
    its file decodes shorter than it declares."""
    report = import_manifest(manifest)
    for slug in report.created:
        click.echo("created %s" % slug)
    for slug in report.updated:
        click.echo("updated %s" % slug)
    for label, message in report.errors:
        click.echo("error   %s: %s" % (label, message), err=True)
    for slug, reason in report.failed:
        click.echo("failed  %s: processing failed: %s" % (slug, reason), err=True)
    for slug, reason in report.incomplete:
        click.echo("short   %s: incomplete file: %s" % (slug, reason), err=True)
    for slug, note in report.notes:
        click.echo("note    %s: %s" % (slug, note))
    click.echo("%d created, %d updated, %d errors, %d processing failed, %d incomplete"
               % (len(report.created), len(report.updated), len(report.errors),
                  len(report.failed), len(report.incomplete)))
    if not report.ok:
        raise SystemExit(1)


@bp.cli.command("transcribe")
@click.argument("slug", required=False)
@click.option("--all", "every", is_flag=True, help="Every video and recording without "
              "subtitles in its spoken language (and those whose transcription failed).")
def transcribe_command(slug: str | None, every: bool):
    """Make the automatic transcript of SLUG (again), or of every material that needs one,
    now; a hand-made track is never replaced. Exits 1 if a transcription failed or the engine
    is not there."""
    if bool(slug) == every:
        raise click.UsageError("give a material's id or --all")
    if transcription.availability() != "ready":
        click.echo(transcription.describe(current_app.config), err=True)
        raise SystemExit(1)
    if slug:
        todo = _asked(slug)
        if not todo:
            return  # said why
    else:
        todo = _needing_transcripts()
    failed = sum(1 for material in todo if not _transcribe_now(material))
    click.echo("%d transcribed, %d failed" % (len(todo) - failed, failed))
    if failed:
        raise SystemExit(1)


def _asked(slug: str) -> list[Material]:
    """The material SLUG, unless it has subtitles in its spoken language (then said)."""
    material = get_material(slug)
    if material is None:
        raise click.ClickException("no material %r" % slug)
    if transcription.wanted(material, again=True):
        return [material]
    click.echo("skipped %s: it has subtitles in its spoken language (%s)"
               % (slug, material.audio_language or "?"))
    return []


def _needing_transcripts() -> list[Material]:
    """Every material an automatic transcript is wanted for, by id."""
    return [m for m in db.session.scalars(select(Material).order_by(Material.id))
            if transcription.wanted(m)]


def _transcribe_now(material) -> bool:
    """Transcribe ``material`` within the command and say how it went; False if it failed."""
    material_id, name = material.id, material.slug
    with jobs.inline():
        transcription.queue(material)
        jobs.commit()
        state = transcription.transcribe(material_id)
    t = get_material(name).transcription
    if state == "failed":
        click.echo("failed  %s: %s" % (name, t.failure_detail), err=True)
        return False
    click.echo("%-7s %s: %s%s, %.1f s of audio in %.1f s" % (
        state or "skipped", name, t.lang or "?", " (%s)" % t.note if t.note else "",
        t.audio_s or 0, t.took_s or 0))
    return True


@bp.cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder: Path):
    """Write the catalogue (manifest.json, media/, subs/) into FOLDER."""
    count = export_catalogue(folder)
    click.echo("exported %d materials to %s" % (count, folder / "manifest.json"))


@bp.cli.command("extract-text")
@click.option("--all", "everything", is_flag=True,
              help="Read every document again, not only those never read from their file.")
def extract_text_command(everything: bool):
    """Read the words of documents (PDF pages, Word, OpenDocument, PowerPoint, plain text) for
    the search: those uploaded before the portal read them, or whose reading failed."""
    ids = document_text.missing(everything)
    for material_id in ids:
        document_text.extract_text(material_id, again=everything)
    click.echo("read the text of %d documents" % len(ids))


@click.group()
def index():
    """The library search index (one writer per host, following the outbox)."""


@index.command()
@with_appcontext
def sync():
    """Apply the outbox rows not yet in the index."""
    click.echo("applied %d outbox rows" % indexing.sync())


@index.command()
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks.")
@with_appcontext
def worker(interval):
    """Apply the outbox continuously (production)."""
    click.echo("following the outbox every %ss; Ctrl-C to stop" % interval)
    indexing.run_worker(interval)


@index.command()
@with_appcontext
def rebuild():
    """Build a fresh index from the database beside the live one, then swap."""
    st = indexing.rebuild_all()
    click.echo("rebuilt %s: %d materials, %d transcript windows, %.1f MB"
               % (st.generation, st.materials, st.windows, st.size_bytes / 1e6))


@index.command()
@with_appcontext
def status():
    """Counts and lag behind the outbox."""
    from media_index.indexer import status as index_status
    lag = indexing.lag()
    st = index_status(indexing.index_dir())
    click.echo("index %s (%s)" % (st.path, st.generation))
    click.echo("materials %d, transcript windows %d, size %.1f MB"
               % (st.materials, st.windows, st.size_bytes / 1e6))
    click.echo("outbox newest %s, applied %s, pending %d"
               % (lag.last_outbox_id, lag.last_applied, lag.pending))
    click.echo("segments %d%s; schema %s" % (
        st.segments, " (more than 5: run `flask index rebuild`, each one slows every search)"
        if st.segments > 5 else "", "current" if st.schema_current
        else "OLDER than this version: run `flask index rebuild`"))
