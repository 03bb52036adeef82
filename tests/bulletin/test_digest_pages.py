import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.utils import timezone

from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from bulletin.digest.rendering import EMAIL_HEADING_STYLES, sanitize_email_html
from bulletin.models import Digest, DigestRead
from changes.feeds import feed_token_for
from changes.rendering import sanitize_html
from notifications.models import Delivery, Subscription
from tests.bulletin.conftest import WEEK

pytestmark = pytest.mark.django_db

XSS_IMPACT = (
    "Hello <script>alert('impact')</script> [click](javascript:alert(1)) [up](JaVaScRiPt:alert(2)) "
    '<img src=x onerror="alert(3)"> <a href="data:text/html,<script>alert(4)</script>">d</a>'
)
WEDNESDAY = timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0))


def _assert_harmless(text: str):
    # Our own scripts load from static files; anything else that is a script was injected.
    lowered = re.sub(r'<script src="/static/[^"<>]+"></script>', "", text.lower())
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered
    assert "data:text/html" not in lowered


@pytest.fixture
def xss_digest(publish):
    publish("<script>alert('title')</script> Sofa", starts=1, customer_impact=XSS_IMPACT, support_guidance=XSS_IMPACT,
            facts=[("<b onmouseover=alert(5)>old</b>", "<script>new</script>")])
    return digest_compile(week=WEEK).digest


def test_digest_page_shows_the_week_grouped_by_section(client, agent, publish):
    publish("Garden furniture", starts=1)
    digest_compile(week=WEEK)
    client.force_login(agent)
    response = client.get(f"/digest/{WEEK}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Starting this week" in body and "Garden furniture" in body


def test_reading_this_week_before_it_is_compiled_writes_nothing_and_staff_may_compile_it(
    client, agent, staff, publish
):
    publish("Garden furniture", starts=1)
    client.force_login(agent)
    with time_machine.travel(WEDNESDAY, tick=False):
        response = client.get("/digest/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and "not compiled yet" in response.content.decode()
        assert "Compile it now" not in response.content.decode()
        assert client.post("/digest/compile/").status_code == 403
        assert client.get("/digest/feed/").status_code in (200, 403)
    assert not Digest.objects.exists() and not Delivery.objects.exists()
    client.force_login(staff)
    with time_machine.travel(WEDNESDAY, tick=False):
        page = client.post("/digest/compile/", follow=True)
    assert "Garden furniture" in page.content.decode()
    assert Digest.objects.get().sent_at is None and not Delivery.objects.exists()  # compiled, not sent


@pytest.mark.parametrize("path", ["/digest/2026-W60/", "/digest/2025-W53/", "/digest/2026-W47/", "/digest/nonsense/"])
def test_bad_or_unknown_week_is_404(client, agent, path):
    client.force_login(agent)
    with time_machine.travel(WEDNESDAY, tick=False):
        assert client.get(path).status_code == 404


def test_digest_pages_need_a_login(client):
    assert client.get("/digest/").status_code == 302


def test_agent_marks_read_and_lead_sees_it(client, agent, lead, make_user, team, publish):
    publish("Garden furniture", starts=1)
    digest = digest_compile(week=WEEK).digest
    make_user("tom", team=agent.memberships.get().team, role="agent")
    client.force_login(agent)
    assert "read-by" not in client.get(f"/digest/{WEEK}/").content.decode()
    assert "Read by agents" not in client.get(f"/digest/{WEEK}/").content.decode()
    client.post(f"/digest/{WEEK}/read/")
    client.post(f"/digest/{WEEK}/read/")
    assert DigestRead.objects.filter(digest=digest, user=agent).count() == 1
    client.force_login(lead)
    body = client.get(f"/digest/{WEEK}/").content.decode()
    assert "Read by agents" in body
    assert body.count('class="read-yes"') == 1 and body.count('class="read-no"') == 1


def test_mark_read_needs_post(client, agent, publish):
    digest_compile(week=WEEK)
    client.force_login(agent)
    assert client.get(f"/digest/{WEEK}/read/").status_code == 405


def test_archive_lists_digests(client, agent):
    digest_compile(week=WEEK)
    digest_compile(week="2026-W47")
    client.force_login(agent)
    body = client.get("/digest/archive/").content.decode()
    assert body.index("2026-W48") < body.index("2026-W47")


def test_nav_links_to_the_digest(client, agent):
    client.force_login(agent)
    assert 'href="/digest/"' in client.get("/changes/").content.decode()


def test_feed_with_token_lists_digests(client, agent, publish):
    publish("Garden furniture", starts=1)
    digest_compile(week=WEEK)
    token = feed_token_for(user=agent).key
    response = client.get(f"/digest/feed/?token={token}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    assert "2026-W48" in response.content.decode()


def test_feed_without_token_or_session_is_refused(client):
    assert client.get("/digest/feed/?token=wrong").status_code == 403


def test_markdown_attacks_are_harmless_in_the_page(client, agent, xss_digest):
    client.force_login(agent)
    body = client.get(f"/digest/{WEEK}/").content.decode()
    _assert_harmless(body.split("<main>")[1])
    assert "&lt;script&gt;alert(&#x27;title&#x27;)" in body


def test_markdown_attacks_are_harmless_in_stored_html_and_email(xss_digest):
    _assert_harmless(xss_digest.html)
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    digest_deliver(digest=xss_digest)
    _assert_harmless(Delivery.objects.get().payload["html"])


def test_markdown_attacks_are_harmless_in_the_feed(client, agent, xss_digest):
    token = feed_token_for(user=agent).key
    feed = client.get(f"/digest/feed/?token={token}").content.decode()
    # The feed carries HTML escaped inside XML; unescape once, as a feed reader does.
    import html

    _assert_harmless(html.unescape(feed))


def test_api_lists_and_shows_digests(client, agent, publish):
    change = publish("Garden furniture", starts=1)
    digest_compile(week=WEEK)
    client.force_login(agent)
    listing = client.get("/api/v1/digests/").json()
    assert [d["week"] for d in listing["results"]] == [WEEK] and listing["count"] == 1
    detail = client.get(f"/api/v1/digests/{WEEK}/").json()
    assert set(detail) == {"week", "revision", "compiled_at", "markdown", "html", "changes", "sections"}
    assert detail["changes"] == [change.pk] and detail["revision"] == 1


def test_api_unknown_week_is_404_and_anonymous_is_refused(client, agent):
    assert client.get("/api/v1/digests/").status_code in (401, 403)
    client.force_login(agent)
    assert client.get("/api/v1/digests/2026-W60/").status_code == 404
    assert client.get("/api/v1/digests/nonsense/").status_code == 404


def test_api_digests_are_for_team_members_and_staff(client, make_user, publish):
    digest_compile(week=WEEK)
    client.force_login(make_user("chatbot"))  # a machine account: no team
    assert client.get("/api/v1/digests/").status_code == 403
    assert client.get(f"/api/v1/digests/{WEEK}/").status_code == 403


def test_api_list_query_count_does_not_grow(client, agent, django_assert_max_num_queries):
    for week in range(40, 49):
        digest_compile(week=f"2026-W{week}")
    client.force_login(agent)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/digests/").json()["results"]) == 9


def test_subscribing_without_an_email_address_says_so_instead_of_confirming(client, make_user):
    user = make_user("carl")
    user.email = ""
    user.save()
    client.force_login(user)
    page = client.post("/notifications/email/", {"action": "subscribe"}, follow=True).content.decode()
    assert "no e-mail address" in page and "You will get the digest" not in page
    assert not Subscription.objects.filter(user=user).exists()
    assert client.post("/notifications/email/", {"action": "maybe"}).status_code == 400


def test_user_can_unsubscribe_on_the_web(client, agent):
    subscription = Subscription.objects.get(user=agent)
    client.force_login(agent)
    assert "Unsubscribe" in client.get("/notifications/email/").content.decode()
    client.post("/notifications/email/", {"action": "unsubscribe"})
    subscription.refresh_from_db()
    assert not subscription.active
    client.post("/notifications/email/", {"action": "subscribe"})
    subscription.refresh_from_db()
    assert subscription.active


def test_admin_shows_digests_reads_and_addenda(client, make_user, publish):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    digest = digest_compile(week=WEEK).digest
    client.force_login(admin)
    for path in ["/admin/bulletin/digest/", f"/admin/bulletin/digest/{digest.pk}/change/",
                 "/admin/bulletin/digestread/", "/admin/bulletin/addendum/"]:
        assert client.get(path).status_code == 200, path


def test_archive_shows_the_personal_feed_address_that_works(client, agent):
    digest_compile(week=WEEK)
    client.force_login(agent)
    body = client.get("/digest/archive/").content.decode()
    key = feed_token_for(user=agent).key
    assert f"/digest/feed/?token={key}" in body
    client.logout()
    assert client.get(f"/digest/feed/?token={key}").status_code == 200


def test_digest_page_queries_do_not_grow_with_agents_or_changes(client, lead, make_user, publish,
                                                                django_assert_max_num_queries):
    for i in range(10):
        publish(f"Change {i}", starts=i % 7)
    from changes.models import Membership, Team

    team = Team.objects.create(slug="support-x", name="Support X")
    for i in range(10):
        Membership.objects.create(user=make_user(f"agent-x{i}"), team=team, role="agent")
    digest_compile(week=WEEK)
    client.force_login(lead)
    with django_assert_max_num_queries(12):
        assert client.get(f"/digest/{WEEK}/").status_code == 200


def test_webhook_gets_the_digest_summary_and_change_ids(publish):
    hook = Subscription.objects.create(kind="webhook", target="http://127.0.0.1:9/hook", topics=["digest"])
    change = publish("Garden furniture", starts=1)
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    payload = Delivery.objects.get(subscription=hook).payload
    assert payload["event"] == "digest.compiled"
    assert payload["body"]["changes"] == [change.pk] and payload["body"]["counts"]["starting"] == 1
    assert payload["body"]["api_url"].endswith("/api/v1/digests/2026-W48/")


def test_the_digest_pages_and_feed_are_for_team_members_and_staff(client, make_user, publish):
    digest_compile(week=WEEK)
    bot = make_user("chatbot")  # no team
    client.force_login(bot)
    for url in (f"/digest/{WEEK}/", "/digest/archive/", "/digest/"):
        assert client.get(url).status_code == 403, url
    from changes.feeds import feed_token_for

    client.logout()
    assert client.get("/digest/feed/", {"token": feed_token_for(user=bot).key}).status_code == 403


def test_the_feed_names_an_author_and_links_by_site_url(client, agent, settings):
    settings.SITE_URL = "https://bulletin.example.com"
    from changes.feeds import feed_token_for

    feed = client.get("/digest/feed/", {"token": feed_token_for(user=agent).key}).content.decode()
    assert "<author><name>Bulletin</name></author>" in feed
    assert '<link href="https://bulletin.example.com/digest/"' in feed


# --- What a reader sees at the top, between the sections and at the end ------------------

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
MONDAY_MORNING_W49 = datetime.datetime(2026, 11, 30, 6, 0, tzinfo=BERLIN)


def _compiled_on_monday_morning(week="2026-W49", when=MONDAY_MORNING_W49):
    with time_machine.travel(when, tick=False):
        return digest_compile(week=week).digest


def _headline(html: str) -> str:
    return re.search(r'<p class="digest-headline">([^<]*)</p>', html).group(1)


def test_page_header_is_one_line_with_week_dates_and_compile_time(client, agent):
    _compiled_on_monday_morning()
    client.force_login(agent)
    body = client.get("/digest/2026-W49/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _headline(body) == "Week 49 · 30 Nov – 6 Dec 2026 · compiled 30 Nov 2026, 06:00"
    assert "revision" not in _headline(body)  # the first compilation has no other to tell apart


def test_page_header_in_german(client, agent):
    _compiled_on_monday_morning()
    client.force_login(agent)
    body = client.get("/digest/2026-W49/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert _headline(body) == "KW 49 · 30.11.–06.12.2026 · erstellt am 30.11.2026, 06:00"


def test_page_header_of_a_week_across_new_year_names_both_years(client, agent):
    _compiled_on_monday_morning("2026-W53", datetime.datetime(2026, 12, 28, 6, 0, tzinfo=BERLIN))
    client.force_login(agent)
    body = client.get("/digest/2026-W53/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _headline(body) == "Week 53 · 28 Dec 2026 – 3 Jan 2027 · compiled 28 Dec 2026, 06:00"


def test_page_header_says_which_revision_once_the_digest_was_compiled_again(client, agent, publish):
    _compiled_on_monday_morning(WEEK, datetime.datetime(2026, 11, 23, 6, 0, tzinfo=BERLIN))
    publish("Garden furniture", starts=1)
    _compiled_on_monday_morning(WEEK, datetime.datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN))
    client.force_login(agent)
    body = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _headline(body) == "Week 48 · 23 Nov – 29 Nov 2026 · compiled 23 Nov 2026, 09:30 · revision 2"


def test_email_has_the_header_line_of_the_page(client, agent):
    digest = _compiled_on_monday_morning()
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    digest_deliver(digest=digest)
    payload = Delivery.objects.get(subscription__target="a@example.com").payload
    line = "Week 49 · 30 Nov – 6 Dec 2026 · compiled 30 Nov 2026, 06:00"
    assert re.search(rf'<p style="[^"]*">{line}</p>', payload["html"])  # under the masthead's title
    assert f"\n{line}\n" in payload["text"]
    client.force_login(agent)
    assert _headline(client.get("/digest/2026-W49/", HTTP_ACCEPT_LANGUAGE="en").content.decode()) == line


def test_email_section_and_category_headings_carry_different_looks(publish):
    publish("Garden furniture", starts=1, category="pricing")
    Subscription.objects.create(kind="email", target="a@example.com", topics=["digest"])
    digest_deliver(digest=digest_compile(week=WEEK).digest)
    html = Delivery.objects.get(subscription__target="a@example.com").payload["html"]
    section = re.search(r'<p style="([^"]+)">Starting this week', html).group(1)
    category = re.search(r'<p style="([^"]+)">Pricing</p>', html).group(1)
    assert "background" in section and "border-left" in section  # a band
    assert "uppercase" in category and "color:#616e7c" in category and "background" not in category  # a grey label
    assert html.count(f'<p style="{section}">') == 5  # every change section, none left plain


def test_email_keeps_only_its_own_heading_styles(publish):
    own = sanitize_email_html(f'<h2 style="{EMAIL_HEADING_STYLES["section"]}">Starting</h2>')
    assert own == f'<h2 style="{EMAIL_HEADING_STYLES["section"]}">Starting</h2>'
    assert sanitize_email_html('<h2 style="color:red">x</h2><h3 style="display:none">y</h3>') == "<h2>x</h2><h3>y</h3>"
    assert sanitize_email_html('<p style="color:red">x</p>') == "<p>x</p>"
    # Everything else is cleaned as on the page.
    assert sanitize_email_html(XSS_IMPACT) == sanitize_html(XSS_IMPACT)


def test_page_section_and_category_headings_are_styled_apart(client, agent, publish):
    publish("Garden furniture", starts=1, category="pricing")
    digest_compile(week=WEEK)
    client.force_login(agent)
    body = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = body.split('id="section-starting">')[1].split("</section>")[0]
    assert section.lstrip().startswith("<h2>Starting this week") and "<h3>Pricing</h3>" in section
    assert 'style="' not in section  # the page's look comes from the style sheet, not from the e-mail's
    assert "/static/bulletin/bulletin.css" in body
    with open(finders.find("bulletin/bulletin.css"), encoding="utf-8") as handle:
        css = handle.read()
    digest_block = css.split("/* Digest page */")[1]
    assert ".digest-section > h2 {" in digest_block and ".digest-section > h3 {" in digest_block


def test_mark_as_read_is_at_the_top_and_at_the_end(client, agent, publish):
    publish("Garden furniture", starts=1)
    digest = digest_compile(week=WEEK).digest
    client.force_login(agent)
    body = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert body.count(">Mark as read</button>") == 2
    last_section = body.rindex('class="digest-section"')
    end = body.index('id="digest-end"')
    assert end > last_section and ">Mark as read</button>" in body[end:]
    assert f'action="/digest/{WEEK}/read/#digest-end"' in body[end:]  # back at the end after sending it

    response = client.post(f"/digest/{WEEK}/read/")
    assert response.status_code == 302 and DigestRead.objects.filter(digest=digest, user=agent).exists()
    body = client.get(f"/digest/{WEEK}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark as read" not in body
    assert body.count("Read on ") == 2 and body.count('id="read-mark"') == 1
