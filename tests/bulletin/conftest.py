import datetime

import pytest

from bulletin.models import SupportText
from changes.models import Change

# Monday of ISO week 2026-W48.
MONDAY = datetime.date(2026, 11, 23)
WEEK = "2026-W48"


@pytest.fixture
def publish(make_change, team):
    """A published change in `team` (Einkauf) starting `starts` days after MONDAY."""

    def make(title, *, starts, ends=None, team=team, **fields):
        fields.setdefault("category", "delivery_time")
        return make_change(
            team=team,
            title=title,
            status=Change.Status.PUBLISHED,
            effective_from=MONDAY + datetime.timedelta(days=starts),
            effective_until=MONDAY + datetime.timedelta(days=ends) if ends is not None else None,
            **fields,
        )

    return make


def section_titles(digest, key):
    section = next(s for s in digest.sections if s["key"] == key)
    return [entry["title"] for group in section["groups"] for entry in group["entries"]]


@pytest.fixture
def smtp_sink(settings):
    """A real local SMTP server the Django SMTP backend sends to; set `.fail` to refuse the first messages."""
    from tests.receivers import start_smtp_sink

    sink, controller = start_smtp_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


@pytest.fixture
def make_text(db):
    def make(body, *, title=None, kind="macro", source="zendesk", external_id=None, **fields):
        external_id = external_id or f"ext-{SupportText.objects.count() + 1}-{abs(hash(body)) % 10_000}"
        return SupportText.objects.create(
            kind=kind, title=title or body[:40], body=body, source=source, external_id=external_id, **fields
        )

    return make


@pytest.fixture
def delivery_change(make_change, team):
    return make_change(team=team, status="published", facts=[("5–7 Werktage", "10–14 Werktage")])
