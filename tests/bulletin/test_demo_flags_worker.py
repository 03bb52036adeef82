import pytest

from bulletin.demo import SUPPORT_TEXTS, SUPPORT_TEXTS_SAYING_5_7_WERKTAGE, demo_seed
from bulletin.models import Flag
from changes.models import Change
from changes.services import change_publish
from tests.conftest import wait_for

DELIVERY_TITLE = "Neuer Lieferant für Gartenmöbel: längere Lieferzeit"


def test_demo_seed_flags_texts_of_published_changes_only(db):
    demo_seed()
    flagged = set(Flag.objects.values_list("change__title", flat=True))
    assert DELIVERY_TITLE in flagged
    assert "Kauf auf Rechnung nur bis 1.000 €" not in flagged  # withdrawn
    assert "Neue Pflegehinweise für Massivholztische (Entwurf)" not in flagged  # draft
    before = Flag.objects.count()
    demo_seed()
    assert Flag.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_publishing_the_demo_delivery_change_flags_exactly_the_macros_saying_5_7_werktage(celery_worker):
    demo_seed()
    change = Change.objects.get(title=DELIVERY_TITLE)
    # The seed publishes it; take it back to a draft without flags so the publish below is the trigger.
    Flag.objects.all().delete()
    Change.objects.filter(pk=change.pk).update(status="draft", published_at=None)

    change_publish(change=change, user=change.created_by)

    wait_for(lambda: Flag.objects.filter(change=change).count() >= len(SUPPORT_TEXTS_SAYING_5_7_WERKTAGE) + 1)
    german = set(
        Flag.objects.filter(change=change, old_text="5–7 Werktage").values_list("support_text__external_id", flat=True)
    )
    assert german == SUPPORT_TEXTS_SAYING_5_7_WERKTAGE
    assert set(Flag.objects.filter(change=change).values_list("support_text__external_id", flat=True)) == (
        SUPPORT_TEXTS_SAYING_5_7_WERKTAGE | {"m-103"}  # "5–7 business days", the English fact
    )
    assert len(SUPPORT_TEXTS) > len(SUPPORT_TEXTS_SAYING_5_7_WERKTAGE) + 10
