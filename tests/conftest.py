import datetime
import itertools
import shutil
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.utils import timezone, translation

from changes.models import Change, FactChange, Membership, Team

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def broker_and_cache_not_paused(monkeypatch):
    """Each test starts with the broker and the throttle's cache trusted again (a failure pauses them)."""
    from changes.api.throttling import TokenRateThrottle
    from config import celery

    monkeypatch.setattr(celery, "_broker_paused_until", 0.0)
    monkeypatch.setattr(TokenRateThrottle, "_cache_paused_until", 0.0)


@pytest.fixture(autouse=True)
def language_of_the_service_again():
    """Each test starts in LANGUAGE_CODE: a page read in German leaves German active in the thread (LocaleMiddleware
    activates it and nothing deactivates it), and a command run by the next test would answer in German."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def one_day_throughout(request):
    """Every test lives inside one day in TIME_ZONE: the clock starts at noon today and ticks on.

    Tests read "today" while they set up and the code reads it again; a run across midnight
    in Berlin would otherwise see two days. Tests that need another moment travel there
    themselves (time_machine nests); tests marked real_clock share the clock with other
    processes they start (a worker compares times this process wrote).
    """
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    noon = datetime.datetime.combine(datetime.datetime.now(zone).date(), datetime.time(12), tzinfo=zone)
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture
def make_team(db):
    def make(slug=None, name=None):
        slug = slug or f"team-{next(_counter)}"
        return Team.objects.get_or_create(slug=slug, defaults={"name": name or slug.title()})[0]

    return make


@pytest.fixture
def make_user(db):
    def make(username=None, *, team=None, role=None, staff=False, password="pw"):
        username = username or f"user{next(_counter)}"
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password=password, is_staff=staff
        )
        if team is not None:
            Membership.objects.create(user=user, team=team, role=role or Membership.Role.AGENT)
        return user

    return make


@pytest.fixture
def make_change(db):
    def make(*, team, user=None, facts=(), status=Change.Status.DRAFT, **fields):
        if user is None:
            user = get_user_model().objects.create_user(username=f"author{next(_counter)}")
        today = timezone.localdate()
        values = {
            "title": "Neuer Lieferant für Gartenmöbel",
            "category": "delivery_time",
            "customer_impact": "Lieferzeit steigt auf **10–14 Werktage**.",
            "support_guidance": "Bitte auf die neue Lieferzeit hinweisen.",
            "effective_from": today + datetime.timedelta(days=10),
            "channels": ["email", "chat"],
            "severity": "high",
        }
        values.update(fields)
        change = Change.objects.create(team=team, created_by=user, status=status, **values)
        if status != Change.Status.DRAFT and change.published_at is None:
            change.published_at = timezone.now()
            change.save(update_fields=["published_at"])
        for position, (old_text, new_text) in enumerate(facts):
            FactChange.objects.create(change=change, old_text=old_text, new_text=new_text, position=position)
        return change

    return make


@pytest.fixture
def team(make_team):
    return make_team("einkauf", "Einkauf")


@pytest.fixture
def other_team(make_team):
    return make_team("logistik", "Logistik")


@pytest.fixture
def lead(make_user, team):
    return make_user("lead", team=team, role=Membership.Role.LEAD)


@pytest.fixture
def other_lead(make_user, other_team):
    return make_user("otherlead", team=other_team, role=Membership.Role.LEAD)


@pytest.fixture
def agent(make_user, make_team):
    return make_user("agent", team=make_team("support", "Support"), role=Membership.Role.AGENT)


@pytest.fixture
def support_team(make_team):
    team = make_team("kundenservice", "Kundenservice")
    Team.objects.filter(pk=team.pk).update(handles_support=True)
    team.handles_support = True
    return team


@pytest.fixture
def support_lead(make_user, support_team):
    return make_user("supportlead", team=support_team, role=Membership.Role.LEAD)


@pytest.fixture
def staff(make_user):
    return make_user("staff", staff=True)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker on the real Redis broker, in a thread, for the length of a test.

    Tests that use it see committed rows only (hence transactional_db): the worker
    thread has its own database connection.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    # What `celery worker` does on start-up: import every tasks module (autodiscovery).
    app.loader.import_default_modules()
    app.control.purge()
    # All three queues (default, deliveries, scans; this test process's own, tests/settings.py), as the demo's worker.
    queues = [queue.name for queue in app.conf.task_queues]
    with start_worker(
        app, pool="solo", queues=queues, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20
    ):
        yield app
    app.control.purge()  # the queues are this process's own; leave nothing in Redis


class FakeBroker:
    """Stands in for the broker at the one place tasks are sent (config.celery.enqueue_on_commit)."""

    def __init__(self):
        self.sent: list[tuple[str, tuple]] = []
        self.down = False

    def send_task(self, name, args=(), countdown=None, **options):
        if self.down:
            raise ConnectionError("broker down")
        self.sent.append((name, tuple(args)))

    def args_of(self, name: str) -> list[tuple]:
        return [args for sent_name, args in self.sent if sent_name == name]


@pytest.fixture
def fake_broker(monkeypatch):
    from config.celery import app

    broker = FakeBroker()
    monkeypatch.setattr(app, "send_task", broker.send_task)
    return broker


@pytest.fixture
def finished_tasks():
    """Ids of the tasks the test's worker has finished, so a test waits for a task instead of sleeping."""
    from celery.signals import task_postrun

    done: set[str] = set()

    def record(sender=None, task_id=None, **kwargs):
        done.add(task_id)

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)


def wait_for(condition, *, timeout=20.0, interval=0.05):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def http_receiver():
    """A real HTTP server on a free port; set `.script` to the statuses it should answer with."""
    from tests.receivers import start_http_receiver

    receiver, server = start_http_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser(live_server, monkeypatch):
    """The system Chromium, driven by Playwright, for pages of the live server.

    Depends on live_server so Chromium closes its keep-alive connections before the server stops.
    """
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # ORM calls made under Playwright's greenlet opened connections of their own, seen only from
        # inside it; left open, they keep the test database from being dropped at the end of the run.
        connections.close_all()


@pytest.fixture
def browser_page(browser, live_server):
    """A page in a fresh English context; relative addresses go to the live server."""
    context = browser.new_context(locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


def log_in(page, username, password):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
