"""A scan reports the flags it really wrote: two scans that found the same texts at once do not both count
them (the second finds them opened by the first)."""

import pytest
from django.db.models import Q
from django.utils import timezone

from bulletin.texts import flags
from bulletin.texts.corpus import corpus_blocks, corpus_find
from bulletin.texts.flag_sync import sync_apply, sync_plan
from bulletin.texts.models import Flag, SupportText

pytestmark = pytest.mark.django_db


def test_two_scans_planned_together_count_each_flag_once(delivery_change, make_text):
    for number in range(3):
        make_text(f"Lieferung in 5–7 Werktagen ({number}).")
    phrases = {p.fact_id: p for p in flags._phrases(flags.active_facts())}
    pairs, _count = corpus_find(
        matcher=flags._matcher(phrases), blocks=corpus_blocks(texts=SupportText.objects.filter(active=True))
    )
    found, forms = flags._found_forms(pairs)
    day, now = timezone.localdate(), timezone.now()
    # Both plans are made before either writes, as two scans running side by side make them.
    plans = [
        sync_plan(found=found, forms=forms, phrases=phrases, scope=Q(), text_is_active=lambda _id: True, day=day)
        for _scan in range(2)
    ]
    first, second = (sync_apply(plan, phrases=phrases, now=now, forms=forms) for plan in plans)
    assert (first.opened, second.opened) == (3, 0)
    assert Flag.objects.count() == 3
