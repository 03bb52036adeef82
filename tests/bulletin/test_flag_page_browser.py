import pytest

from bulletin.texts.flags import flags_scan_change

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    return context.new_page()


def test_agent_copies_the_proposed_text_and_sees_the_spot_highlighted(
    page, make_user, make_team, delivery_change, make_text
):
    make_user("mia", team=make_team("support", "Support"), role="agent", password="pw-mia-123")
    make_text("Die Lieferzeit beträgt 5 – 7 Werktage.", title="Lieferzeit")
    flags_scan_change(change_id=delivery_change.pk)

    page.goto("/accounts/login/")
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", "pw-mia-123")
    page.click("button[type=submit]")
    page.goto("/flags/")
    page.click("text=Lieferzeit")

    assert page.inner_text("mark") == "5 – 7 Werktage"
    page.click("button.copy")
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == "Die Lieferzeit beträgt 10–14 Werktage."
