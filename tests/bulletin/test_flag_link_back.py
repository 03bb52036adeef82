"""Every flag points to where the text is fixed: the queue, the flag page, the change page, the digest
and the API show the help desk's edit link ("Open in Zendesk")."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from bulletin.digest.compiling import digest_compile
from bulletin.texts.flags import flags_scan_change
from tests.bulletin.conftest import MONDAY, WEEK

pytestmark = pytest.mark.django_db

EDIT = "https://acme.zendesk.com/admin/workspaces/agent-workspace/macros/360018203411"


@pytest.fixture
def zendesk_flag(publish, make_text):
    change = publish("Lieferzeit länger", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    text = make_text(
        "<p>Hallo {{ticket.requester.first_name}},</p><p>Die Lieferzeit beträgt 5–7 Werktage.</p>",
        title="Lieferzeit Gartenmöbel",
        external_id="macro/360018203411",
        edit_url=EDIT,
        helpdesk="zendesk",
    )
    flags_scan_change(change_id=change.pk)
    return text.flags.get()


def _link(html: str) -> bool:
    return f'href="{EDIT}"' in html and "Open in Zendesk" in html


@time_machine.travel(MONDAY, tick=False)
def test_the_queue_the_flag_page_and_the_change_page_link_back_to_zendesk(client, agent, zendesk_flag):
    client.force_login(agent)
    assert _link(client.get(reverse("flags:list")).content.decode())
    assert _link(client.get(zendesk_flag.get_absolute_url()).content.decode())
    assert _link(client.get(zendesk_flag.change.get_absolute_url()).content.decode())


def test_the_proposal_keeps_the_macros_placeholders(zendesk_flag):
    assert zendesk_flag.spot.proposed_text == (
        "<p>Hallo {{ticket.requester.first_name}},</p><p>Die Lieferzeit beträgt 10–14 Werktage.</p>"
    )


@time_machine.travel(MONDAY, tick=False)
def test_the_link_back_speaks_german(client, agent, zendesk_flag):
    client.force_login(agent)
    html = client.get(zendesk_flag.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f'href="{EDIT}"' in html and "In Zendesk öffnen" in html


@time_machine.travel(MONDAY, tick=False)
def test_the_digest_lists_the_text_with_its_link_back_on_the_web_and_in_its_markdown(client, agent, zendesk_flag):
    with translation.override("en"):
        digest = digest_compile(week=WEEK).digest
    (entry,) = next(s for s in digest.sections if s["key"] == "texts")["entries"]
    assert entry["fix_url"] == EDIT and entry["helpdesk"] == "Zendesk"
    assert f"[Open in Zendesk]({EDIT})" in digest.markdown or f"[In Zendesk öffnen]({EDIT})" in digest.markdown
    client.force_login(agent)
    assert _link(client.get(f"/digest/{WEEK}/").content.decode())


def test_a_text_without_a_link_shows_none(client, agent, publish, make_text):
    change = publish("Lieferzeit länger", starts=1, facts=[("5–7 Werktage", "10–14 Werktage")])
    make_text("Die Lieferzeit beträgt 5–7 Werktage.", title="Ohne Link")
    flags_scan_change(change_id=change.pk)
    client.force_login(agent)
    assert "fix-link" not in client.get(reverse("flags:list")).content.decode()


def test_the_flags_api_and_the_texts_api_give_the_link_back(agent, zendesk_flag):
    api = APIClient()
    api.force_authenticate(agent)
    (item,) = api.get("/api/v1/flags/").json()["results"]
    assert item["support_text"]["fix_url"] == EDIT and item["support_text"]["helpdesk"] == "zendesk"
    (text,) = api.get("/api/v1/support-texts/").json()["results"]
    assert text["edit_url"] == EDIT and text["helpdesk"] == "zendesk"
    assert "{{ticket.requester.first_name}}" in text["body"]
