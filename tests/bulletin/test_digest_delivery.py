import datetime

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from bulletin.digest.addenda import addendum_deliver
from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from bulletin.models import Addendum, Digest
from changes import services
from changes.models import Membership
from notifications.models import Delivery, Subscription
from notifications.unsubscribe import UNSUBSCRIBE_URL_MARK
from tests.bulletin.conftest import MONDAY, WEEK

pytestmark = pytest.mark.django_db

MONDAY_MORNING = timezone.make_aware(datetime.datetime(2026, 11, 23, 6, 0))


def test_every_agent_is_subscribed_by_email_by_default(make_user, team):
    agent = make_user("mia", team=team, role=Membership.Role.AGENT)
    lead = make_user("anna", team=team, role=Membership.Role.LEAD)
    assert Subscription.objects.get(user=agent).topics == ["digest", "addendum"]
    assert not Subscription.objects.filter(user=lead).exists()


def test_unsubscribed_agent_is_not_subscribed_again(client, make_user, team, publish):
    agent = make_user("mia", team=team, role=Membership.Role.AGENT)
    client.force_login(agent)
    client.post("/notifications/email/", {"action": "unsubscribe"})
    assert not Subscription.objects.get(user=agent).active
    publish("A", starts=0)
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    assert not Delivery.objects.exists()


def test_digest_is_recorded_once_per_subscriber_and_revision(make_user, team, publish, settings):
    make_user("mia", team=team, role=Membership.Role.AGENT)
    publish("A", starts=0)
    digest = digest_compile(week=WEEK).digest
    assert digest_deliver(digest=digest) == 1
    assert digest_deliver(digest=digest) == 0
    delivery = Delivery.objects.get()
    assert delivery.key == "digest:2026-W48:r1"
    assert delivery.payload["subject"].startswith("Bulletin 2026-W48")
    assert f"{settings.SITE_URL}/digest/2026-W48/" in delivery.payload["text"]
    assert '<a href="' in delivery.payload["html"] and "/digest/2026-W48/" in delivery.payload["html"]


def test_subscriber_filtered_to_returns_gets_only_returns(publish):
    returns = Subscription.objects.create(
        kind="email", target="r@example.com", topics=["digest"], categories=["returns"]
    )
    publish("Returns label", starts=0, category="returns")
    publish("Garden furniture", starts=0, category="delivery_time")
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    payload = Delivery.objects.get(subscription=returns).payload
    assert "Returns label" in payload["text"] and "Garden furniture" not in payload["text"]


def test_filtered_subscriber_with_nothing_matching_gets_nothing(publish):
    Subscription.objects.create(kind="email", target="r@example.com", topics=["digest"], categories=["returns"])
    publish("Garden furniture", starts=0)
    assert digest_deliver(digest=digest_compile(week=WEEK).digest) == 0


def test_slack_gets_a_compact_summary_with_the_link(publish):
    slack = Subscription.objects.create(kind="slack", target="http://127.0.0.1:9/hook", topics=["digest"])
    publish("Garden <furniture>", starts=0)
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    text = Delivery.objects.get(subscription=slack).payload["text"]
    assert "1 starting" in text and "Garden &lt;furniture&gt;" in text and "/digest/2026-W48/|" in text


def test_beat_runs_the_digest_on_monday_at_six_in_berlin():
    entry = django_settings.CELERY_BEAT_SCHEDULE["digest-weekly"]
    assert entry["task"] == "bulletin.tasks.digest_compile_task"
    assert entry["schedule"] == crontab(minute=0, hour=6, day_of_week="mon")
    assert entry["options"]["expires"] < 7 * 24 * 3600
    assert django_settings.CELERY_TIMEZONE == django_settings.TIME_ZONE == "Europe/Berlin"


@pytest.mark.parametrize(
    "before, expected",
    [
        # Saturdays before the switches: Sunday 2026-03-29 02:00 → 03:00 and Sunday 2026-10-25 03:00 → 02:00.
        (datetime.datetime(2026, 3, 28, 12, 0), datetime.datetime(2026, 3, 30, 6, 0)),
        (datetime.datetime(2026, 10, 24, 12, 0), datetime.datetime(2026, 10, 26, 6, 0)),
    ],
)
def test_monday_six_oclock_holds_across_daylight_saving(before, expected):
    from config.celery import app

    berlin = timezone.get_default_timezone()
    schedule = django_settings.CELERY_BEAT_SCHEDULE["digest-weekly"]["schedule"]
    schedule = crontab(minute=schedule._orig_minute, hour=schedule._orig_hour, day_of_week="mon", app=app)
    last_run = before.replace(tzinfo=berlin)
    with time_machine.travel(last_run, tick=False):
        remaining = schedule.remaining_estimate(last_run)
    next_run = (last_run.astimezone(datetime.UTC) + remaining).astimezone(berlin)
    assert next_run.replace(tzinfo=None) == expected


@pytest.mark.parametrize(
    "week, monday", [("2026-W13", datetime.date(2026, 3, 23)), ("2026-W43", datetime.date(2026, 10, 19))]
)
def test_compiling_dst_weeks_at_six_local_time(publish, week, monday):
    publish("Starts on DST Sunday", starts=(monday - MONDAY).days + 6)
    at = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(6)))
    with time_machine.travel(at, tick=False):
        digest = digest_compile().digest
    assert digest.week == week and digest.monday == monday
    assert digest.sections[0]["groups"][0]["entries"][0]["title"] == "Starts on DST Sunday"


def test_compile_digest_command_prints_week_revision_and_counts(publish, capsys):
    publish("A", starts=0)
    call_command("compile_digest", "--week", WEEK)
    out = capsys.readouterr().out
    assert "Week 2026-W48, revision 1" in out and "Starting this week: 1" in out


def test_compile_digest_command_refuses_a_bad_week():
    with pytest.raises(CommandError, match="2026-W61"):
        call_command("compile_digest", "--week", "2026-W61")


@pytest.fixture
def compiled_this_week(publish, lead, settings):
    """This week's digest compiled and sent on Monday morning, with one change in it."""
    settings.DIGEST_ADDENDUM_DELAY_SECONDS = 60
    change = publish("Garden furniture", starts=2, user=lead)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        digest = digest_compile(week=WEEK).digest
        # As digest_deliver marks it (tested below), without delivery rows that would crowd the addenda's.
        Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return change


def test_a_digest_counts_as_sent_once_its_deliveries_are_recorded_and_only_then_brings_addenda(
    publish, lead, agent, settings
):
    settings.DIGEST_ADDENDUM_DELAY_SECONDS = 60
    change = publish("Garden furniture", starts=2, user=lead)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        digest = digest_compile(week=WEEK).digest
    assert digest.sent_at is None
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=1), tick=False):
        _edit(change, lead, title="Before anyone got it")
    assert not Addendum.objects.exists()  # compiled is not sent: nobody has read it
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        digest_deliver(digest=digest)
        digest.refresh_from_db()
        assert digest.sent_at == timezone.now()
        _edit(change, lead, title="After it went out")
    assert Addendum.objects.count() == 1


def _edit(change, user, **data):
    from django.test import TestCase

    # The signals are sent on commit; the test transaction never commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.change_update(change=change, user=user, data=data)


def test_three_edits_in_a_minute_make_one_addendum(compiled_this_week, lead):
    change = compiled_this_week
    Subscription.objects.create(kind="email", target="a@example.com", topics=["addendum"])
    start = MONDAY_MORNING + datetime.timedelta(hours=3)
    for minute, day in enumerate([3, 4, 5]):
        with time_machine.travel(start + datetime.timedelta(seconds=20 * minute), tick=False):
            _edit(change, lead, effective_from=MONDAY + datetime.timedelta(days=day))
    addendum = Addendum.objects.get()
    assert addendum.diff["fields"] == [["effective_from", "2026-11-25", "2026-11-28"]]
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert addendum_deliver(addendum_id=addendum.pk) == 1
        assert addendum_deliver(addendum_id=addendum.pk) == 0
    assert Delivery.objects.get().key == f"addendum:{WEEK}:{addendum.pk}"


def test_edit_after_an_addendum_was_sent_makes_a_new_one(compiled_this_week, lead):
    change = compiled_this_week
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(change, lead, title="Garden furniture later")
    first = Addendum.objects.get()
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=3), tick=False):
        addendum_deliver(addendum_id=first.pk)
        _edit(change, lead, title="Garden furniture much later")
    second = Addendum.objects.exclude(pk=first.pk).get()
    assert second.diff["fields"] == [["title", "Garden furniture later", "Garden furniture much later"]]


def test_withdrawing_a_change_of_this_week_makes_an_addendum(compiled_this_week, lead):
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            services.change_withdraw(change=compiled_this_week, user=lead)
    addendum = Addendum.objects.get()
    assert addendum.event == "withdrawn" and ["status", "published", "withdrawn"] in addendum.diff["fields"]


def test_edit_of_a_change_far_in_the_future_makes_no_addendum(compiled_this_week, publish, lead):
    far = publish("Next year", starts=100, user=lead)
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(far, lead, title="Next year, really")
    assert not Addendum.objects.exists()


def test_no_addendum_before_the_digest_is_compiled(publish, lead):
    change = publish("Garden furniture", starts=2, user=lead)
    with time_machine.travel(MONDAY_MORNING - datetime.timedelta(hours=1), tick=False):
        _edit(change, lead, title="Earlier")
    assert not Addendum.objects.exists()


def test_digest_page_shows_addenda_at_the_top(client, agent, compiled_this_week, lead):
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(compiled_this_week, lead, effective_from=MONDAY + datetime.timedelta(days=4))
        client.force_login(agent)
        body = client.get(f"/digest/{WEEK}/").content.decode()
    assert body.index('id="addenda"') < body.index('id="section-starting"')
    assert "Addendum to 2026-W48" in body and "was changed" in body


def test_publishing_a_change_for_this_week_after_the_digest_makes_an_addendum(compiled_this_week, lead, team):
    from django.test import TestCase

    draft = services.change_create(
        user=lead,
        data={
            "title": "Late news", "team": team, "category": "returns", "severity": "high",
            "effective_from": MONDAY + datetime.timedelta(days=3), "channels": ["email"],
            "customer_impact": "Returns take longer.",
        },
    )
    with (
        time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=3), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        services.change_publish(change=draft, user=lead)
    addendum = Addendum.objects.get()
    assert addendum.event == "published" and addendum.diff["before"] is None
    assert "Late news" in addendum.markdown and "was published" in addendum.markdown


def test_plain_text_email_has_no_markdown_escapes_or_tags(publish):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    publish("Sofa *sale* <50 %>", starts=1, facts=[("5_7 days", "10_14 days")])
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    text = Delivery.objects.get().payload["text"]
    print(text)
    assert "Sofa *sale* <50 %>" in text and "5_7 days → 10_14 days" in text
    assert "\\" not in text and "&lt;" not in text and "<del>" not in text


def test_an_addendum_keeps_a_multi_paragraph_field_in_its_list_item_and_speaks_german(
    compiled_this_week, lead, settings
):
    settings.LANGUAGE_CODE = "de"  # addenda are written in the service's language
    change = compiled_this_week
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(change, lead, customer_impact="Erster Absatz.\n\nZweiter Absatz.")
    text = Addendum.objects.get().markdown  # the text part, in the service's language
    print(text)
    assert text.startswith(f"Nachtrag zu {WEEK}:") and "wurde geändert" in text
    assert "Erster Absatz.\n\n    Zweiter Absatz." in text and "**" not in text


def test_every_digest_and_addendum_mail_says_how_to_stop_them(publish, compiled_this_week, lead):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest", "addendum"])
    digest_deliver(digest=Digest.objects.get(week=WEEK))
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(compiled_this_week, lead, title="Garden furniture later")
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=3), tick=False):
        addendum_deliver(addendum_id=Addendum.objects.get().pk)
    payloads = [delivery.payload for delivery in Delivery.objects.order_by("pk")]
    assert len(payloads) == 2
    for payload in payloads:
        # Each subscriber's one-click link goes in at sending (tests/notifications/test_one_click_unsubscribe.py).
        assert UNSUBSCRIBE_URL_MARK in payload["text"] and UNSUBSCRIBE_URL_MARK in payload["html"]
        assert "/notifications/email/" in payload["text"] and "/notifications/email/" in payload["html"]


def test_an_addendum_on_slack_is_in_slack_markup_not_markdown(compiled_this_week, lead):
    Subscription.objects.create(kind="slack", target="https://hooks.slack.example/x", topics=["addendum"])
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(compiled_this_week, lead, title="Garden <furniture> later")
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=3), tick=False):
        addendum_deliver(addendum_id=Addendum.objects.get().pk)
    payload = Delivery.objects.get().payload
    assert payload["text"].startswith(f"*Addendum to {WEEK}:* <http")
    blocks = "\n".join(block["text"]["text"] for block in payload["blocks"] if block["type"] == "section")
    assert "~Garden furniture~ → Garden &lt;furniture&gt; later" in blocks
    assert "**" not in blocks and "](" not in blocks
