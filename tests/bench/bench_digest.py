"""Benchmark: compile one week with 5,000 published changes and record deliveries for 2,000 subscribers.

Run explicitly (not collected with the suite):

    python -m pytest tests/bench/bench_digest.py -s

Deliveries are recorded, not sent: the test transaction never commits, so the
outbox's on-commit queueing never fires. Seconds are measured without
tracemalloc; the peak comes from a second, traced run of the same work.
"""

import datetime
import random
import resource
import time
import tracemalloc

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from changes.models import Category, Change, Channel, FactChange, Team
from changes.rendering import render_markdown
from notifications.models import Delivery, Subscription

CHANGES = 5_000
SUBSCRIBERS = 2_000
MONDAY = datetime.date(2026, 11, 23)


@pytest.fixture
def production_template_rendering(monkeypatch):
    # The test environment wraps every template render to record contexts for the
    # test client, which makes rendering a 4,000-entry digest ~5× slower than in production.
    from django.template.base import Template
    from django.test.utils import _TestState

    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


@pytest.mark.django_db
def test_bench_digest_compile_and_delivery_rows(production_template_rendering):
    rng = random.Random(48)
    author = get_user_model().objects.create_user(username="bench-author")
    teams = [Team.objects.create(slug=f"team-{i}", name=f"Team {i}") for i in range(12)]
    impact = "Die Lieferzeit steigt von 5–7 auf **10–14 Werktage**. Bitte [hier](https://example.com) nachlesen."
    guidance = "Offen sagen, dass die Lieferzeit länger ist, und auf die *Lagerware* im Outlet hinweisen."
    published_at = timezone.make_aware(datetime.datetime(2026, 11, 1, 9))
    changes = []
    for i in range(CHANGES):
        starts = MONDAY + datetime.timedelta(days=rng.randint(-60, 20))
        ends = starts + datetime.timedelta(days=rng.randint(0, 60)) if rng.random() < 0.5 else None
        changes.append(
            Change(
                title=f"Change {i}: neue Bedingungen",
                team=rng.choice(teams),
                category=rng.choice(Category.values),
                severity=rng.choice(["low", "medium", "high"]),
                customer_impact=impact,
                customer_impact_html=render_markdown(impact),
                support_guidance=guidance,
                support_guidance_html=render_markdown(guidance),
                effective_from=starts,
                effective_until=ends,
                channels=rng.sample(Channel.values, 2),
                tags=[f"tag{rng.randint(0, 30)}"],
                status=Change.Status.PUBLISHED,
                published_at=published_at,
                created_by=author,
            )
        )
    changes = Change.objects.bulk_create(changes, batch_size=1000)
    FactChange.objects.bulk_create(
        [FactChange(change=c, old_text=f"alt {c.pk}", new_text=f"neu {c.pk}") for c in changes], batch_size=1000
    )
    subscriptions = []
    for i in range(SUBSCRIBERS):
        filtered = i % 10 == 0  # one in ten filters by category
        subscriptions.append(
            Subscription(
                kind="email",
                target=f"agent{i}@example.com",
                topics=["digest"],
                categories=[rng.choice(Category.values)] if filtered else [],
            )
        )
    Subscription.objects.bulk_create(subscriptions, batch_size=1000)

    # Timed without tracemalloc (it slows allocation-heavy code severalfold) ...
    started = time.perf_counter()
    digest = digest_compile(week="2026-W48").digest
    compiled = time.perf_counter()
    created = digest_deliver(digest=digest)
    delivered = time.perf_counter()
    entries = digest.changes.count()
    markdown_size, html_size = len(digest.markdown), len(digest.html)
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # ... then the same work again from scratch under tracemalloc for the peak.
    with connection.cursor() as cursor:  # a queryset delete would load all 2,000 payloads first
        cursor.execute("DELETE FROM notifications_delivery")
    digest.delete()
    tracemalloc.start()
    digest_deliver(digest=digest_compile(week="2026-W48").digest)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"\nBENCH digest: {CHANGES} published changes ({entries} in the digest), {SUBSCRIBERS} subscribers\n"
        f"  compile: {compiled - started:.2f} s   delivery rows: {created} in {delivered - compiled:.2f} s"
        f"   total: {delivered - started:.2f} s\n"
        f"  peak Python memory (tracemalloc): {peak / 2**20:.1f} MiB   process max RSS after the timed run: "
        f"{max_rss:.0f} MiB\n"
        f"  markdown: {markdown_size / 2**20:.1f} MiB, html: {html_size / 2**20:.1f} MiB"
    )
    assert created == Delivery.objects.count() == SUBSCRIBERS
