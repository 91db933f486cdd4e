"""Library materials, their files and subtitle tracks, view counts and the search outbox."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from media_index.schema import MaterialKind, Visibility

from ..db_types import TranslatedText, UTCDateTime, utcnow
from ..extensions import db
from ..uploads.checks import base_type
from ..uploads.models import StoredFile


class MaterialState(StrEnum):
    """A video is processing (a job makes its renditions), then ready or failed; a document is
    ready at once."""
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class ProcessingStep(StrEnum):
    """Where the processing of a video stands while its state is ``processing``."""
    QUEUED = "queued"          # waiting for the runner or worker
    CONVERTING = "converting"  # ffmpeg makes the renditions (``progress`` in percent)
    CHECKING = "checking"      # the renditions' decoded length against the declared one
    SAVING = "saving"          # the renditions go to storage


class FileRole(StrEnum):
    """What one of a material's stored files is for."""
    ORIGINAL = "original"
    LOW = "low"  # the low-bandwidth rendition
    AUDIO = "audio"
    POSTER = "poster"
    DOCUMENT = "document"
    PREVIEW = "preview"


# A material's kind and visibility (`MaterialKind`, `Visibility`, imported above) are the search
# index's vocabulary too: defined once in media_index.schema, which cannot import the portal.
# Stored as their values, like the enums above: templates compare with plain strings.

# Short names of the members, for the modules that use them often.
PROCESSING, READY, FAILED = MaterialState
ORIGINAL, LOW, AUDIO, POSTER, DOCUMENT, PREVIEW = FileRole


class Material(db.Model):
    """A video or document of the library. ``slug`` is the external id (manifest, URLs, API)."""
    __tablename__ = "library_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=MaterialKind.VIDEO)
    title: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    description: Mapped[dict] = mapped_column(TranslatedText, default=dict)
    subjects: Mapped[list] = mapped_column(JSON, default=list)      # subject slugs
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    courses: Mapped[list] = mapped_column(JSON, default=list)       # related course codes
    year: Mapped[int | None] = mapped_column(Integer)
    audio_language: Mapped[str | None] = mapped_column(String(8))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    producer: Mapped[str | None] = mapped_column(String(160))
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.PUBLIC)
    allow_download: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(12), default=READY)
    failure_reason: Mapped[str | None] = mapped_column(String(500))  # technical detail
    failure_code: Mapped[str | None] = mapped_column(String(40))  # messages.PROCESSING_FAILURES
    processing_step: Mapped[str | None] = mapped_column(String(12))  # a ProcessingStep
    progress: Mapped[int | None] = mapped_column(Integer)  # percent, while converting
    # When it was queued, then the last sign of life of the job processing it: a job silent
    # for heartbeat.STALE_AFTER is taken as stopped and its material queued again.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the file's container declares; ``duration_s`` is what could be decoded. A file
    # that falls short (cut while copied or uploaded) is ``incomplete``, flagged to its owner.
    declared_duration_s: Mapped[int | None] = mapped_column(Integer)
    incomplete: Mapped[bool] = mapped_column(default=False, server_default=false())
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    files: Mapped[list[MaterialFile]] = relationship(
        back_populates="material", cascade="all, delete-orphan", lazy="selectin")
    subtitles: Mapped[list[SubtitleTrack]] = relationship(
        back_populates="material", cascade="all, delete-orphan", lazy="selectin",
        order_by="SubtitleTrack.lang")
    transcription: Mapped[Transcription | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, uselist=False)
    # The words of a document (read by a job): loaded only by the indexer, which asks for it.
    text: Mapped[DocumentText | None] = relationship(
        back_populates="material", cascade="all, delete-orphan", lazy="select",
        uselist=False)

    def file(self, role: str) -> StoredFile | None:
        for f in self.files:
            if f.role == role:
                return f.file
        return None

    def track(self, lang: str) -> SubtitleTrack | None:
        return next((t for t in self.subtitles if t.lang == lang), None)

    @property
    def is_audio(self) -> bool:
        original = self.file(ORIGINAL)
        return is_audio_recording(self.kind,
                                  original.content_type if original is not None else None)

    @property
    def coming_soon(self) -> bool:
        return is_coming_soon(f.role for f in self.files)

    def __repr__(self) -> str:
        return "<Material %s>" % self.slug


def is_audio_recording(kind: str, original_type: str | None) -> bool:
    """A recording without pictures (a talk sent as mp3): played with an audio player and
    called "Audio", though filed with the videos. ``original_type``: the content type of the
    material's original file, if it has one."""
    return (kind == MaterialKind.VIDEO and original_type is not None
            and base_type(original_type).startswith("audio/"))


def is_coming_soon(roles) -> bool:
    """Nothing to play or read yet, told by the roles of the material's files alone."""
    return not any(role in (ORIGINAL, DOCUMENT) for role in roles)


class MaterialFile(db.Model):
    """One stored file of a material, by role (original, low rendition, audio, poster...)."""
    __tablename__ = "library_material_files"
    __table_args__ = (UniqueConstraint("material_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("library_materials.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(12))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"),
                                         index=True)

    material: Mapped[Material] = relationship(back_populates="files")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class SubtitleTrack(db.Model):
    """Subtitles in one language, kept twice: the WebVTT file the player loads (``file``: as
    uploaded, or converted from SRT, in UTF-8, with its cue settings, styles, regions,
    identifiers and voices) and its clean cues (``cues``, parsed once from that file: plain
    text and speaker, for the transcript and the search index only). How the upload was read
    is kept to be shown to its editors: ``source_format`` ("vtt", "srt"), ``encoding`` (the
    codec it was decoded with) and whether that was a guess, ``notes`` (codes of what was
    accepted but will not show, ``[{"code": "backwards", "count": 2, "line": 14}]``).
    Written only through ``services.set_subtitles``."""
    __tablename__ = "library_subtitles"
    __table_args__ = (UniqueConstraint("material_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("library_materials.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"),
                                         index=True)
    # [[start_ms, end_ms, text], ...], a fourth item the speaker when the cue has a voice
    cues: Mapped[list] = mapped_column(JSON, default=list)
    source_format: Mapped[str | None] = mapped_column(String(4))
    encoding: Mapped[str | None] = mapped_column(String(24))
    encoding_confident: Mapped[bool] = mapped_column(default=True, server_default=true())
    notes: Mapped[list | None] = mapped_column(JSON, default=list)
    # Made by speech recognition (transcription.py) and not corrected since: marked
    # "automatic" wherever it is shown. A hand-made or corrected track is never overwritten.
    automatic: Mapped[bool] = mapped_column(default=False, server_default=false())
    generated_by: Mapped[str | None] = mapped_column(String(120))  # engine and model, if made

    material: Mapped[Material] = relationship(back_populates="subtitles")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class TranscriptionState(StrEnum):
    """Where the automatic transcription of a video or recording stands."""
    QUEUED = "queued"      # waiting for the runner or worker
    RUNNING = "running"    # the engine listens (``progress`` in percent)
    DONE = "done"          # an automatic track was stored (or no speech was found)
    SKIPPED = "skipped"    # nothing to do: a hand-made track in the spoken language, ...
    FAILED = "failed"      # ``failure_code`` (messages.TRANSCRIPTION_FAILURES) and detail


class Transcription(db.Model):
    """The automatic transcription of one material: its state, language and progress. A table
    of its own, so the progress written while the engine works never touches the material (and
    so never the search outbox)."""
    __tablename__ = "library_transcriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("library_materials.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=TranscriptionState.QUEUED)
    lang: Mapped[str | None] = mapped_column(String(8))        # given, or detected
    detected: Mapped[bool] = mapped_column(default=False, server_default=false())
    progress: Mapped[int | None] = mapped_column(Integer)      # percent, while running
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(40))       # why skipped; "no_speech"
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_detail: Mapped[str | None] = mapped_column(String(500))
    model: Mapped[str | None] = mapped_column(String(200))
    audio_s: Mapped[float | None] = mapped_column(Float)       # seconds listened to
    took_s: Mapped[float | None] = mapped_column(Float)        # seconds it took
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DocumentText(db.Model):
    """The words of a material's document (a PDF's per page, others as one part), read by
    the ``library.extract_text`` job from the file ``file_id``, for the search index only.
    ``lang``: the language they are indexed in; ``paged``: the parts are pages one can open
    the document at."""
    __tablename__ = "library_document_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("library_materials.id", ondelete="CASCADE"), unique=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"),
                                         index=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    paged: Mapped[bool] = mapped_column(default=False)
    pages: Mapped[list] = mapped_column(JSON, default=list)  # [text of page 1, ...]
    extracted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    material: Mapped[Material] = relationship(back_populates="text")


class MaterialView(db.Model):
    """One view per person (or anonymous session) per material per day."""
    __tablename__ = "library_views"
    __table_args__ = (UniqueConstraint("material_id", "viewer", "day"),
                      Index("ix_library_views_day", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("library_materials.id", ondelete="CASCADE"))
    viewer: Mapped[str] = mapped_column(String(64))  # "u:<id>" or "s:<random session key>"
    day: Mapped[date] = mapped_column(Date)


class OutboxEntry(db.Model):
    """A searchable record changed: the indexer re-reads the material (or deletes it from the
    index when it is gone). Written in the same transaction as the change."""
    __tablename__ = "library_outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
