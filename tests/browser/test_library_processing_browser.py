"""A video's processing followed in Chromium (issue 15.5): the edit page's status box asks the
status endpoint and updates its sentence and progress bar in place, then says the processing
has finished, without reloading the page (what was typed in the form stays)."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SETUP = """
from portal.extensions import db
from portal.auth.models import User
from portal.library.models import Material
from portal.db_types import utcnow
from sqlalchemy import select
owner = db.session.scalar(select(User).where(User.email == "tanaka@demo.example.org"))
db.session.add(Material(slug="being-processed", title={"en": "Being processed"},
                        state="processing", processing_step="converting", progress=30,
                        heartbeat_at=utcnow(), created_by_id=owner.id))
db.session.commit()
"""


def _update(live_server, **values):
    assignments = ", ".join("%s=%r" % item for item in values.items())
    live_server.flask("shell", input=(
        "from portal.extensions import db\n"
        "from portal.library.models import Material\n"
        "from sqlalchemy import update\n"
        "db.session.execute(update(Material).where(Material.slug == 'being-processed')"
        ".values(%s))\n"
        "db.session.commit()\n" % assignments))


def test_the_status_box_follows_the_processing_without_a_reload(page, live_server, login):
    live_server.flask("shell", input=SETUP)
    login(page, "tanaka@demo.example.org")
    page.goto("/library/m/being-processed/edit")
    box = page.locator("[data-processing-status]")
    expect(box).to_contain_text("Converting: 30")
    assert page.locator("[data-processing-status] progress").get_attribute("value") == "30"
    page.fill("input[name=title_fr]", "Texte tapé pendant le traitement")

    _update(live_server, progress=70)
    expect(box).to_contain_text("Converting: 70", timeout=20_000)
    expect(page.locator("[data-processing-status] progress")).to_have_attribute("value", "70")

    _update(live_server, state="ready", processing_step=None, progress=None)
    expect(box).to_contain_text("The processing has finished", timeout=20_000)
    expect(page.locator("[data-processing-status] progress")).to_be_hidden()
    # Never reloaded: what was typed is still there.
    assert page.input_value("input[name=title_fr]") == "Texte tapé pendant le traitement"
