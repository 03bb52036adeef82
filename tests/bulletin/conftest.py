import pytest

from bulletin.models import SupportText


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
