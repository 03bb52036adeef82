"""What people receive: each message in its reader's language, addenda that say what changed in clean words, and
Slack messages that Slack's own Block Kit models accept within its limits."""

import datetime

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone
from slack_sdk.models.blocks import Block

from bulletin.digest.addenda import addendum_deliver
from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from bulletin.messages import SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_TEXT
from bulletin.models import Addendum, Digest
from changes import services
from changes.languages import language_choose
from changes.models import Membership
from notifications.models import Delivery, Subscription
from tests.bulletin.conftest import MONDAY, WEEK

pytestmark = pytest.mark.django_db

MONDAY_MORNING = timezone.make_aware(datetime.datetime(2026, 11, 23, 6, 0))


def _slack_blocks_valid(payload: dict) -> list[dict]:
    """Slack's own Block Kit models (slack_sdk) parse and validate every block; returns the blocks."""
    assert payload["text"].strip(), "a plain text fallback for notifications and screen readers"
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= SLACK_MAX_BLOCKS
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        assert block.to_dict() == raw, "no key Slack does not know"
    return blocks


def _texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element["text"] for element in block.get("elements", []) if isinstance(element.get("text"), str)]
    return found


def _edit(change, user, **data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.change_update(change=change, user=user, data=data)


@pytest.fixture
def sent_this_week(publish, lead, settings):
    """This week's digest, sent on Monday morning, with one change in it."""
    settings.DIGEST_ADDENDUM_DELAY_SECONDS = 60
    change = publish(
        "Garden furniture", starts=2, user=lead, customer_impact="Delivery takes **5–7 Werktage**.",
        support_guidance="Say *sorry*.",
    )
    with time_machine.travel(MONDAY_MORNING, tick=False):
        digest = digest_compile(week=WEEK).digest
        Digest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return change


def test_each_person_gets_the_digest_in_their_own_language_and_a_team_channel_in_the_services(
    make_user, team, publish, settings
):
    settings.LANGUAGE_CODE = "en"
    english = make_user("mia", team=team, role=Membership.Role.AGENT)
    german = make_user("jonas", team=team, role=Membership.Role.AGENT)
    language_choose(user=german, language="de")
    Subscription.objects.create(kind="slack", target="https://hooks.slack.com/services/T/B/x", topics=["digest"])
    publish("Gartenmöbel", starts=1, customer_impact="Lieferzeit **10–14 Werktage**.")
    digest_deliver(digest=digest_compile(week=WEEK).digest)

    mail = {d.subscription.user_id: d.payload for d in Delivery.objects.filter(subscription__kind="email")}
    assert mail[english.pk]["subject"].startswith(f"Bulletin {WEEK}: 1 starting")
    assert "What the customer will feel" in mail[english.pk]["text"] and 'lang="en"' in mail[english.pk]["html"]
    assert mail[german.pk]["subject"].startswith(f"Bulletin {WEEK}: 1 neu diese Woche")
    assert "Was die Kundschaft spürt" in mail[german.pk]["text"] and 'lang="de"' in mail[german.pk]["html"]
    assert "Was die Kundschaft spürt" in mail[german.pk]["html"] and "What the" not in mail[german.pk]["html"]
    slack = Delivery.objects.get(subscription__kind="slack").payload
    assert "What the customer will feel" in "\n".join(_texts(_slack_blocks_valid(slack)))


def test_the_digest_email_is_a_mail_layout_with_severity_and_late_markers_at_a_glance(publish, settings):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    publish("Sofa sale ends early", starts=0, severity="high", customer_impact="Prices **rise** today.")
    digest = digest_compile(week=WEEK).digest
    digest_deliver(digest=digest)
    html = Delivery.objects.get().payload["html"]
    assert html.startswith("<!DOCTYPE html>") and 'name="viewport"' in html
    assert "<style" not in html and 'class="' not in html, "mail clients drop style sheets: every style is inlined"
    assert 'width="600"' in html and "max-width:600px" in html
    assert "border-left:6px solid #c81e1e" in html, "a high-severity change has the red edge"
    assert ">High</span>" in html and "late: announced after it took effect" in html
    assert "<strong>rise</strong>" in html and "**" not in html
    page = f"{settings.SITE_URL}/digest/{WEEK}/"
    assert f'href="{page}"' in html and f'href="{page}#digest-end"' in html  # the page, and "Mark as read" on it


def test_an_addendum_lists_only_what_changed_with_markdown_rendered_and_clean_text(sent_this_week, lead):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["addendum"])
    Subscription.objects.create(kind="slack", target="https://hooks.slack.com/services/T/B/x", topics=["addendum"])
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(sent_this_week, lead, customer_impact="Delivery takes **10–14 Werktage**.")
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=3), tick=False):
        assert addendum_deliver(addendum_id=Addendum.objects.get().pk) == 2
    mail = Delivery.objects.get(subscription__kind="email").payload
    slack = Delivery.objects.get(subscription__kind="slack").payload

    assert "<strong>10–14 Werktage</strong>" in mail["html"] and "<strong>5–7 Werktage</strong>" in mail["html"]
    assert "Delivery takes 10–14 Werktage." in mail["text"] and "**" not in mail["text"]
    for label in ("Title", "Severity", "Effective from", "Channels", "What to say"):  # unchanged: not listed
        assert f">{label}<" not in mail["html"] and f"\n{label}:" not in mail["text"]
    texts = _texts(_slack_blocks_valid(slack))
    assert "*What the customer will feel:* ~Delivery takes 5–7 Werktage.~ → Delivery takes 10–14 Werktage." in texts
    assert not any("**" in text for text in texts)


def test_the_digest_page_shows_an_addendum_in_its_readers_language_with_markdown_rendered(
    sent_this_week, lead, client, agent
):
    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=2), tick=False):
        _edit(sent_this_week, lead, customer_impact="Delivery takes **10–14 Werktage**.")
        client.force_login(agent)
        page = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    addenda = page.split('id="addenda"')[1].split("</section>")[0]
    assert "Nachtrag zu" in addenda and "wurde geändert" in addenda and "Was die Kundschaft spürt" in addenda
    assert "<strong>10–14 Werktage</strong>" in addenda and "**" not in addenda


def test_publishing_editing_and_withdrawing_within_the_delay_sends_one_message_with_the_final_state(
    sent_this_week, lead, team, settings
):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["addendum"])
    start = MONDAY_MORNING + datetime.timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        _edit(sent_this_week, lead, title="Garden furniture later")
    with time_machine.travel(start + datetime.timedelta(seconds=20), tick=False):
        _edit(sent_this_week, lead, title="Garden furniture much later")
    with (
        time_machine.travel(start + datetime.timedelta(seconds=40), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        services.change_withdraw(change=sent_this_week, user=lead)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        for addendum in Addendum.objects.all():
            addendum_deliver(addendum_id=addendum.pk)
    mail = Delivery.objects.get().payload  # one message
    assert "was withdrawn" in mail["subject"] or "was withdrawn" in mail["text"]
    assert "Garden furniture much later" in mail["text"] and "Withdrawn" in mail["text"]


def test_a_change_published_and_withdrawn_before_anyone_heard_of_it_sends_nothing(sent_this_week, lead, team):
    Subscription.objects.create(kind="email", target="a@example.com", topics=["addendum"])
    start = MONDAY_MORNING + datetime.timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        draft = services.change_create(
            user=lead,
            data={
                "title": "Flash sale", "team": team, "category": "pricing", "severity": "high",
                "effective_from": MONDAY + datetime.timedelta(days=3), "channels": ["email"],
                "customer_impact": "Cheaper.",
            },
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.change_publish(change=draft, user=lead)
    with (
        time_machine.travel(start + datetime.timedelta(seconds=30), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        services.change_withdraw(change=draft, user=lead)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        for addendum in Addendum.objects.all():
            addendum_deliver(addendum_id=addendum.pk)
    assert not Delivery.objects.exists()


def test_a_long_digest_fits_slacks_limits_and_ends_with_how_many_more_and_a_link(publish, settings):
    Subscription.objects.create(kind="slack", target="https://hooks.slack.com/services/T/B/x", topics=["digest"])
    long_text = "Long. " * 800
    for number in range(30):  # 30 starting, 30 still in effect, 30 coming up: 25 of each in a message
        publish(f"Change {number:02d} & <more>", starts=number % 7, customer_impact=long_text)
        publish(f"Running {number:02d}", starts=-20 - number, customer_impact=long_text)
        publish(f"Soon {number:02d}", starts=8 + number % 5, customer_impact=long_text)
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    blocks = _slack_blocks_valid(Delivery.objects.get().payload)
    texts = _texts(blocks)
    assert all(len(text) <= SLACK_MAX_SECTION_TEXT for text in texts)
    shown = sum(1 for text in texts if text.startswith(("*<", ":red_circle: *<")))
    assert 30 < shown < 75
    assert [block["type"] for block in blocks[-3:]] == ["context", "divider", "actions"]
    more = blocks[-3]["elements"][0]["text"]  # after what fits, before the link that is never cut off
    assert f"… and {75 - shown} more on the web page" in more and f"{settings.SITE_URL}/digest/{WEEK}/" in more
    assert "Change 00 &amp; &lt;more&gt;" in "\n".join(texts) and "<more>" not in "\n".join(texts)
