"""The digest compiled and delivered by a real Celery worker on the real Redis, to a real SMTP server."""

import email

import pytest

from bulletin.digest.tasks import digest_compile_task
from bulletin.models import Addendum, Digest
from notifications.models import Delivery, Subscription
from tests.bulletin.conftest import WEEK
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_retries(settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0.1
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 5


def _all_sent():
    return Delivery.objects.exists() and not Delivery.objects.exclude(status="delivered").exists()


def _text(message) -> str:
    parsed = email.message_from_bytes(message["content"])
    return "".join(
        part.get_payload(decode=True).decode() for part in parsed.walk() if part.get_content_type() == "text/plain"
    )


def test_compiling_and_delivering_twice_sends_one_email_per_subscriber(
    celery_worker, finished_tasks, smtp_sink, publish, agent
):
    publish("Garden furniture", starts=1, category="delivery_time")
    publish("Returns label", starts=2, category="returns")
    Subscription.objects.create(kind="email", target="returns@example.com", topics=["digest"], categories=["returns"])

    digest_compile_task.delay(week=WEEK, send=True)
    wait_for(lambda: Delivery.objects.count() == 2 and _all_sent())
    second = digest_compile_task.delay(week=WEEK, send=True)
    wait_for(lambda: second.id in finished_tasks)
    # The second run found the same content: same revision, same delivery keys, nothing new to send.
    assert Digest.objects.get().revision == 1
    assert Delivery.objects.count() == 2
    assert len(smtp_sink.to(agent.email)) == 1
    agent_text = _text(smtp_sink.to(agent.email)[0])
    assert "Garden furniture" in agent_text and "Returns label" in agent_text and "/digest/2026-W48/" in agent_text
    (returns_message,) = smtp_sink.to("returns@example.com")
    returns_text = _text(returns_message)
    assert "Returns label" in returns_text and "Garden furniture" not in returns_text
    parsed = email.message_from_bytes(returns_message["content"])
    assert parsed.is_multipart() and {p.get_content_type() for p in parsed.walk()} >= {"text/plain", "text/html"}


def test_smtp_server_failing_twice_then_accepting_gets_exactly_one_message(celery_worker, smtp_sink, publish, agent):
    smtp_sink.fail = 2
    publish("Garden furniture", starts=1)
    digest_compile_task.delay(week=WEEK, send=True)
    delivery = wait_for(lambda: Delivery.objects.filter(status="delivered").first())
    assert smtp_sink.refused == 2
    assert len(smtp_sink.messages) == 1
    assert delivery.attempts == 3
    assert [a.ok for a in delivery.attempt_log.all()] == [False, False, True]
    assert "451" in delivery.attempt_log.first().error


def test_three_quick_edits_after_the_digest_send_one_addendum_email(
    celery_worker, smtp_sink, make_change, team, lead, agent, settings
):
    import datetime

    from django.utils import timezone

    from bulletin.digest.compiling import digest_compile
    from changes import services

    settings.DIGEST_ADDENDUM_DELAY_SECONDS = 1
    change = make_change(
        team=team, user=lead, status="published", title="Garden furniture",
        effective_from=timezone.localdate() + datetime.timedelta(days=1),
    )
    digest = digest_compile().digest
    Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())  # it went out this morning
    for days in (2, 3, 4):
        services.change_update(
            change=change, user=lead, data={"effective_from": timezone.localdate() + datetime.timedelta(days=days)}
        )
    wait_for(lambda: smtp_sink.to(agent.email))
    # Nothing else can arrive: mail goes out only for delivery rows, and the one addendum was sent once.
    assert Addendum.objects.count() == 1 and Addendum.objects.get().sent_at is not None
    (message,) = smtp_sink.to(agent.email)
    text = _text(message)
    assert "Addendum to" in text and "Garden furniture" in text and "was changed" in text
    assert Delivery.objects.filter(key__startswith="addendum:").count() == 1
