"""Uploading and editing materials, and the coordinator's statistics. Services only flush."""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import func, select

from .. import audit, dates, jobs
from ..db_types import utcnow
from ..extensions import db
from ..i18n import localize
from ..uploads import services as uploads
from ..uploads.models import StoredFile
from .models import DOCUMENT, ORIGINAL, READY, Material, MaterialKind, MaterialView
from .permissions import MANAGERS
from .processing import queue as queue_processing
from .services import attach_file

VIDEO_TYPES = ("video/", "audio/")


def slug_for(titles: dict) -> str:
    """A new external id from the English (or first) title, made unique."""
    title = localize(titles, "en").text or "material"
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60] or "material"
    slug = base
    while db.session.scalar(select(Material.id).where(Material.slug == slug)):
        slug = "%s-%s" % (base, secrets.token_hex(2))
    return slug


@dataclass(frozen=True)
class MaterialDetails:
    """What an uploader edits on a material, as plain values (the form's cleaned data)."""
    kind: str
    title: dict
    description: dict
    subjects: list[str]
    keywords: list[str]
    courses: list[str]
    year: int | None
    audio_language: str | None
    producer: str | None
    visibility: str
    allow_download: bool


def apply_details(material: Material, details: MaterialDetails) -> None:
    for name, value in asdict(details).items():
        setattr(material, name, value)
    material.updated_at = utcnow()


def details_of(material: Material) -> MaterialDetails:
    return MaterialDetails(**{f.name: getattr(material, f.name) for f in fields(MaterialDetails)})


def receive_file(user, file_id: str | None, posted) -> StoredFile | None:
    """The stored file from the upload widget (its id) or the file posted with the form (a
    werkzeug ``FileStorage``); None if neither. Raises ``UploadRefused`` for a refused file."""
    if file_id:
        return uploads.claim_file(file_id, user, "material")
    if posted is not None:
        return uploads.store_form_file(user, "material", posted)
    return None


def attach_original(material: Material, stored: StoredFile) -> None:
    """Make ``stored`` the material's file; videos and audio are processed by a job."""
    if stored.content_type.startswith(VIDEO_TYPES):
        material.kind = MaterialKind.VIDEO
        attach_file(material, ORIGINAL, stored)
        queue_processing(material)
    else:
        material.kind = MaterialKind.DOCUMENT
        attach_file(material, DOCUMENT, stored)
        material.state = READY
        db.session.flush()
        queue_preview(material, stored)


def queue_preview(material: Material, stored) -> None:
    """A PDF or a picture gets a preview image (a job); any other document, none. Every new
    document also has its words read for the search (a background job), or forgotten when it
    has none to read."""
    from . import document_text
    from .previews import PREVIEW_JOB, wanted
    if wanted(stored.content_type):
        jobs.enqueue(PREVIEW_JOB, material_id=material.id)
    document_text.queue(material)


def create(user, details: MaterialDetails, stored: StoredFile | None) -> Material:
    material = Material(slug="", created_by_id=user.id, state=READY)
    apply_details(material, details)
    material.slug = slug_for(material.title)
    db.session.add(material)
    db.session.flush()
    if stored is not None:
        attach_original(material, stored)
    audit.record("material.create", material, actor=user, slug=material.slug,
                 visibility=material.visibility)
    return material


def update(material: Material, details: MaterialDetails, stored: StoredFile | None,
           by) -> None:
    """Save an uploader's edit (and the new file, if any). The audit log gets the fields that
    changed and, on a line of its own, a change of who may see the material."""
    before = details_of(material)
    apply_details(material, details)
    if stored is not None:
        attach_original(material, stored)
    changed = [f.name for f in fields(MaterialDetails) if f.name != "visibility"
               and getattr(before, f.name) != getattr(details, f.name)]
    if stored is not None:
        changed.append("file")
    if changed:
        audit.record("material.update", material, actor=by, slug=material.slug,
                     fields=sorted(changed))
    if before.visibility != details.visibility:
        audit.record("material.visibility", material, actor=by, slug=material.slug,
                     before=before.visibility, after=details.visibility)


def editable_materials(user) -> list[Material]:
    query = select(Material).order_by(Material.updated_at.desc())
    if user.role not in MANAGERS:
        query = query.where(Material.created_by_id == user.id)
    return list(db.session.execute(query.limit(500)).scalars())


def visits_per_month(months: int = 12, today: date | None = None) -> list[tuple[date, int]]:
    """Counted views per calendar month (its first day), oldest first, the last ``months``
    months."""
    this_month = (today or dates.today()).replace(day=1)
    firsts = [dates.add_months(this_month, -back) for back in range(months - 1, -1, -1)]
    rows = db.session.execute(select(MaterialView.day, func.count()).where(
        MaterialView.day >= firsts[0]).group_by(MaterialView.day))
    counts: Counter = Counter()
    for day, n in rows:
        counts[day.replace(day=1)] += n
    return [(first, counts[first]) for first in firsts]


def fiscal_year_visits(today: date | None = None) -> tuple[int, int]:
    """(fiscal year, views counted in it so far): Japan's fiscal year starts on 1 April."""
    year = dates.fiscal_year_of(today or dates.today())
    count = db.session.scalar(select(func.count()).select_from(MaterialView).where(
        MaterialView.day >= date(year, 4, 1), MaterialView.day < date(year + 1, 4, 1)))
    return year, count or 0


def top_materials(limit: int = 10) -> list[Material]:
    return list(db.session.execute(select(Material).where(Material.view_count > 0).order_by(
        Material.view_count.desc(), Material.slug).limit(limit)).scalars())
