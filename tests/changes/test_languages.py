"""Every account has a language: the header's switch remembers it, an admin can set it, and pages follow it."""

from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from changes.feeds import feed_token_for
from changes.languages import language_of, languages_of
from changes.models import Preferences


def _log_in(user, *, browser_language="de") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=browser_language)
    client.post(reverse("login"), {"username": user.username, "password": "pw"})
    return client


def test_the_header_switch_remembers_the_choice_for_the_next_login_on_another_browser(agent):
    first = _log_in(agent)
    assert "Änderungen" in first.get(reverse("changes:list")).content.decode()
    first.post(reverse("set_language"), {"language": "en", "next": "/changes/"})
    assert language_of(agent) == "en"

    # Another browser that asks for German, without the cookie of the first one.
    second = _log_in(agent, browser_language="de")
    html = second.get(reverse("changes:list")).content.decode()
    assert 'lang="en"' in html and "Changes" in html


def test_someone_who_never_chose_gets_their_browsers_language_and_the_service_language_in_mail(agent, settings):
    client = _log_in(agent, browser_language="en")
    assert 'lang="en"' in client.get(reverse("changes:list")).content.decode()
    assert languages_of([agent.pk]) == {agent.pk: settings.LANGUAGE_CODE}


def test_an_admin_sets_a_persons_language_on_their_user_page(admin_client, agent):
    page = admin_client.get(reverse("admin:auth_user_change", args=[agent.pk]))
    assert page.status_code == 200 and "preferences-0-language" in page.content.decode()
    Preferences.objects.create(user=agent, language="en")
    assert 'lang="en"' in _log_in(agent, browser_language="de").get("/changes/").content.decode()


def test_an_unknown_language_changes_nothing(agent):
    client = _log_in(agent)
    client.post(reverse("set_language"), {"language": "xx", "next": "/changes/"})
    assert not Preferences.objects.filter(user=agent).exists()
    assert 'lang="de"' in client.get("/changes/").content.decode()


def test_logging_out_forgets_the_accounts_language_in_that_browser(agent):
    Preferences.objects.create(user=agent, language="en")
    client = _log_in(agent, browser_language="de")
    client.post(reverse("logout"))
    assert 'lang="de"' in client.get(reverse("login")).content.decode()


def test_a_calendar_app_gets_the_calendar_in_its_owners_language(agent):
    key = feed_token_for(user=agent).key
    app = Client(HTTP_ACCEPT_LANGUAGE="de")  # the app's own language, no session
    url = f"{reverse('changes:calendar')}?category=delivery_time&token={key}"
    assert str(Calendar.from_ical(app.get(url).content)["X-WR-CALNAME"]) == "Bulletin – Lieferzeit"
    Preferences.objects.create(user=agent, language="en")
    assert str(Calendar.from_ical(app.get(url).content)["X-WR-CALNAME"]) == "Bulletin – Delivery time"
