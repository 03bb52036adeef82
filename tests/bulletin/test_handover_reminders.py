"""One reminder e-mail for an unconfirmed handover shortly before the change takes effect, sent by the worker."""

import datetime
import email
import email.policy

import pytest
from django.utils import timezone

from bulletin.handover.reminders import handover_reminders_send
from bulletin.handover.tasks import handover_reminders_task
from changes.languages import language_choose
from changes.models import Change
from changes.services import change_acknowledge
from notifications.models import Delivery, Subscription
from tests.conftest import wait_for

DAY = datetime.timedelta(days=1)


@pytest.fixture
def soon(make_change, team, lead, settings):
    settings.HANDOVER_REMINDER_DAYS = 3
    return make_change(
        team=team, user=lead, status=Change.Status.PUBLISHED, title="Neue Lieferzeit",
        effective_from=timezone.localdate() + 2 * DAY,
    )


def _recipients() -> set[str]:
    deliveries = Delivery.objects.filter(key__startswith="handover-reminder:")
    return set(deliveries.values_list("subscription__target", flat=True))


@pytest.mark.django_db
def test_the_filing_lead_and_the_support_leads_are_reminded_once(soon, make_change, team, lead, support_lead, agent):
    later = make_change(team=team, user=lead, status=Change.Status.PUBLISHED,
                        effective_from=timezone.localdate() + 4 * DAY)
    today = timezone.localdate()
    assert handover_reminders_send(today=today) == 2
    assert _recipients() == {lead.email, support_lead.email}  # not the agent
    assert handover_reminders_send(today=today) == 0  # however often it runs
    # The leads had no subscription: they got one for reminders alone, which brings them no digest.
    assert Subscription.objects.get(user=lead).topics == ["handover_reminder"]
    assert handover_reminders_send(today=today + DAY) == 2  # `later` is now 3 days away
    assert Delivery.objects.filter(key=f"handover-reminder:{later.pk}").count() == 2
    assert Delivery.objects.filter(key=f"handover-reminder:{soon.pk}").count() == 2


@pytest.mark.django_db
def test_no_reminder_once_confirmed_nor_for_someone_who_unsubscribed(soon, lead, support_lead):
    Subscription.objects.create(user=lead, kind="email", target=lead.email, topics=["digest"], active=False)
    assert handover_reminders_send(today=timezone.localdate()) == 1
    Delivery.objects.all().delete()
    change_acknowledge(change=soon, user=support_lead)
    assert handover_reminders_send(today=timezone.localdate()) == 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reminder_by_mail(celery_worker, finished_tasks, smtp_sink, soon, lead, support_lead):
    first = handover_reminders_task.delay()
    wait_for(lambda: first.id in finished_tasks and len(smtp_sink.messages) == 2)
    second = handover_reminders_task.delay()  # beat fires a missed run again on start-up
    wait_for(lambda: second.id in finished_tasks)
    assert len(smtp_sink.messages) == 2
    parsed = email.message_from_bytes(smtp_sink.to(support_lead.email)[0]["content"], policy=email.policy.default)
    assert parsed["Subject"] == "Handover not confirmed: Neue Lieferzeit"  # LANGUAGE_CODE, en in the tests
    assert parsed["Auto-Submitted"] == "auto-generated"
    text = next(p for p in parsed.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "takes effect in 2 days" in text and f"/changes/{soon.pk}/#handover" in text


@pytest.mark.django_db
def test_the_reminder_speaks_the_services_language(soon, lead, support_lead, settings):
    # Not in the worker test: a worker thread would keep German as its default for the tests after it.
    settings.LANGUAGE_CODE = "de"
    handover_reminders_send(today=timezone.localdate())
    payload = Delivery.objects.filter(key__startswith="handover-reminder:").first().payload
    assert payload["subject"] == "Übergabe nicht bestätigt: Neue Lieferzeit"
    assert "tritt in 2 Tagen in Kraft" in payload["text"]


@pytest.mark.django_db
def test_each_person_is_reminded_in_their_own_language(soon, lead, support_lead, settings):
    settings.LANGUAGE_CODE = "de"
    language_choose(user=support_lead, language="en")
    handover_reminders_send(today=timezone.localdate())
    subjects = {
        d.subscription.user_id: d.payload["subject"] for d in Delivery.objects.filter(key__startswith="handover-")
    }
    assert subjects == {
        lead.pk: "Übergabe nicht bestätigt: Neue Lieferzeit",
        support_lead.pk: "Handover not confirmed: Neue Lieferzeit",
    }


@pytest.mark.django_db
def test_the_digest_marks_a_change_due_soon_whose_handover_is_not_confirmed(make_change, team, support_lead):
    from bulletin.digest.compiling import digest_compile
    from bulletin.weeks import week_label

    today = timezone.localdate()
    make_change(team=team, status=Change.Status.PUBLISHED, title="Unbestätigt", effective_from=today + DAY)
    confirmed = make_change(team=team, status=Change.Status.PUBLISHED, title="Bestätigt", effective_from=today + DAY)
    change_acknowledge(change=confirmed, user=support_lead)
    digest = digest_compile(week=week_label(today + DAY)).digest
    entries = {e["title"]: e for s in digest.sections for g in s.get("groups", []) for e in g["entries"]}
    assert entries["Unbestätigt"]["handover_due"] and not entries["Bestätigt"]["handover_due"]
    assert digest.markdown.count("**handover to support not confirmed**") == 1
    assert digest.html.count("handover to support not confirmed") == 1
