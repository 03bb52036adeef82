"""/health/ tells a monitor whether Bulletin works: 200 when every check passes, 503 naming those that fail.

Each fault is caused for real: no worker running, a heartbeat gone stale (the clock moved on), a message left
waiting in the outbox, a re-scan that stopped, and a Redis of the test's own that it stops under a running
gunicorn.
"""

import datetime
import subprocess

import pytest
import requests
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from health_check.exceptions import ServiceUnavailable

from bulletin.health.checks import RECORDS_MIGRATION, WORKER_ANSWER_KEY, FilesystemBroker
from bulletin.health.heartbeat import heartbeat_last, heartbeat_record
from bulletin.models import FullRescan
from bulletin.texts.flags import flags_rescan_all
from config.celery import app
from notifications.models import Delivery, Subscription
from tests.conftest import wait_for
from tests.receivers import free_port
from tests.servers import RedisServer, gunicorn, manage

CHECKS = {"database", "cache", "broker", "worker", "beat", "outbox", "rescan"}


@pytest.fixture(autouse=True)
def no_worker_answer_remembered():
    """Each test asks the workers afresh: the last test's answer would stand in for HEALTH_WORKER_CACHE_SECONDS."""
    cache.delete(WORKER_ANSWER_KEY)
    yield
    cache.delete(WORKER_ANSWER_KEY)


def worker_answered_a_moment_ago():
    """As the worker check leaves it after a worker answered (for tests about another check)."""
    cache.set(WORKER_ANSWER_KEY, "", 60)


@pytest.fixture
def beat_and_rescan_recent(db):
    """Beat's heartbeat and a full re-scan, both just now, written as the worker writes them."""
    heartbeat_record()
    flags_rescan_all()


def health(client):
    response = client.get("/health/")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_everything_working_answers_200_naming_every_check(celery_worker, client):
    # The task beat's entry names, sent as beat sends it: a worker of the default queue records the heartbeat.
    celery_worker.send_task(settings.CELERY_BEAT_SCHEDULE["health-heartbeat"]["task"])
    wait_for(heartbeat_last)
    flags_rescan_all()

    status, body = health(client)

    assert (status, body["status"], body["failing"]) == (200, "ok", []), body
    assert set(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values()), body
    assert body["checks"]["broker"]["kind"] == ("redis" if settings.REDIS_URL else "filesystem")
    assert body["checks"]["worker"]["cached"] is False
    assert body["checks"]["beat"]["age_seconds"] < 60
    assert body["checks"]["outbox"]["oldest_waiting_seconds"] == 0


def test_a_call_with_the_workers_answer_remembered_is_a_few_indexed_queries(
    celery_worker, client, beat_and_rescan_recent, django_assert_max_num_queries, monkeypatch
):
    status, body = health(client)
    assert status == 200, body

    def no_second_ping(*args, **kwargs):
        raise AssertionError("the workers were pinged again")

    monkeypatch.setattr(celery_worker.control, "ping", no_second_ping)
    # SELECT 1, the heartbeat's row, the outbox's oldest due time and the re-scan's row.
    with django_assert_max_num_queries(4):
        status, body = health(client)
    assert status == 200
    assert body["checks"]["worker"] == {"ok": True, "message": "OK", "cached": True}


def test_no_worker_running_answers_503_naming_the_worker(client, beat_and_rescan_recent):
    status, body = health(client)

    assert (status, body["status"], body["failing"]) == (503, "failing", ["worker"])
    assert "worker" in body["checks"]["worker"]["message"].lower()
    # The failure is remembered too: the next call does not wait for the ping again.
    assert health(client)[1]["checks"]["worker"]["cached"] is True


def test_a_queue_without_a_worker_answers_503_naming_the_worker(client, transactional_db):
    """A worker per queue, as the README runs them: one that takes only the default queue leaves scans and
    deliveries without one."""
    app.loader.import_default_modules()
    # Started first: a starting worker closes the process's database connections (Celery's Django fix-up).
    with start_worker(app, pool="solo", queues=[settings.CELERY_TASK_DEFAULT_QUEUE], perform_ping_check=False,
                      loglevel="WARNING", shutdown_timeout=20):
        heartbeat_record()
        flags_rescan_all()
        # Once it answers pings: on the file-system broker a busy machine takes seconds to start one, and the
        # point here is the queue it does not consume, not a worker too slow to start.
        wait_for(lambda: app.control.ping(timeout=1), timeout=30)
        cache.delete(WORKER_ANSWER_KEY)
        status, body = health(client)

    assert (status, body["failing"]) == (503, ["worker"])
    assert body["checks"]["worker"]["message"].startswith("No worker for Celery task queue ")


def test_a_heartbeat_older_than_five_minutes_answers_503_naming_beat(client, beat_and_rescan_recent):
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
        worker_answered_a_moment_ago()
        assert health(client)[0] == 200

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        worker_answered_a_moment_ago()
        status, body = health(client)

    assert (status, body["failing"]) == (503, ["beat"])
    beat = body["checks"]["beat"]
    assert beat["age_seconds"] >= 6 * 60
    assert "beat is down, or every worker of the default queue is" in beat["message"]


def test_with_a_longer_beat_limit_a_six_minute_old_heartbeat_passes(client, beat_and_rescan_recent, settings):
    settings.HEALTH_BEAT_MAX_AGE_MINUTES = 10
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        worker_answered_a_moment_ago()
        assert health(client)[0] == 200


def _pending_delivery(*, due_minutes_ago: int, written_minutes_ago: int) -> Delivery:
    subscription = Subscription.objects.create(kind="email", target="mia.muster@example.com", topics=["digest"])
    now = timezone.now()
    delivery = Delivery.objects.create(
        subscription=subscription, key="digest:2026-W48:r1", payload={"to": "mia.muster@example.com"},
        next_attempt_at=now - datetime.timedelta(minutes=due_minutes_ago),
    )
    Delivery.objects.filter(pk=delivery.pk).update(created_at=now - datetime.timedelta(minutes=written_minutes_ago))
    return delivery


def test_a_message_waiting_over_half_an_hour_answers_503_naming_the_outbox(client, beat_and_rescan_recent):
    _pending_delivery(due_minutes_ago=31, written_minutes_ago=31)
    worker_answered_a_moment_ago()

    response = client.get("/health/")

    assert (response.status_code, response.json()["failing"]) == (503, ["outbox"])
    outbox = response.json()["checks"]["outbox"]
    assert outbox["oldest_waiting_seconds"] >= 31 * 60
    assert "waited 31 min to be sent" in outbox["message"]
    # Nothing about whom it is for.
    assert b"mia" not in response.content and b"example.com" not in response.content


def test_a_message_waiting_for_its_retry_is_no_backlog(client, beat_and_rescan_recent):
    # Its receiver failed for two hours; the outbox tries again in ten minutes, as its backoff says.
    _pending_delivery(due_minutes_ago=-10, written_minutes_ago=120)
    worker_answered_a_moment_ago()

    status, body = health(client)

    assert status == 200
    assert body["checks"]["outbox"]["oldest_waiting_seconds"] == 0


def test_a_full_rescan_older_than_26_hours_answers_503_naming_the_rescan(client, beat_and_rescan_recent):
    FullRescan.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=27))
    worker_answered_a_moment_ago()

    status, body = health(client)

    assert (status, body["failing"]) == (503, ["rescan"])
    assert body["checks"]["rescan"]["message"].startswith("last full re-scan 27 h ago, over the limit of 26 h")


def test_a_fresh_install_without_a_rescan_passes_for_26_hours_then_fails(client, db):
    installed = (
        MigrationRecorder.Migration.objects.filter(app=RECORDS_MIGRATION[0], name=RECORDS_MIGRATION[1])
        .get()
        .applied
    )
    assert not FullRescan.objects.exists()

    with time_machine.travel(installed + datetime.timedelta(hours=25)):
        heartbeat_record()
        worker_answered_a_moment_ago()
        status, body = health(client)
    assert status == 200
    assert body["checks"]["rescan"]["last"] is None
    assert body["checks"]["rescan"]["expected_by"] == (installed + datetime.timedelta(hours=26)).isoformat()

    with time_machine.travel(installed + datetime.timedelta(hours=27)):
        heartbeat_record()
        worker_answered_a_moment_ago()
        status, body = health(client)
    assert (status, body["failing"]) == (503, ["rescan"])
    assert body["checks"]["rescan"]["message"].startswith("no full re-scan recorded yet")


def test_no_login_is_needed_and_nothing_is_cached_on_the_way(client, beat_and_rescan_recent):
    response = client.get("/health/")

    assert response.status_code in (200, 503)  # answered, not redirected to the login page
    assert "no-store" in response["Cache-Control"]


def test_the_embedded_broker_is_checked_by_its_folders(tmp_path):
    """Without Redis there is no broker server to ask: the folders kombu keeps messages in must exist and be
    writable."""
    FilesystemBroker(folders=(str(tmp_path),)).run()

    with pytest.raises(ServiceUnavailable, match="missing or not writable"):
        FilesystemBroker(folders=(str(tmp_path / "gone"),)).run()


class RedisWithPassword(RedisServer):
    """A redis-server of the test's own that wants a password, which must never show in /health/'s answer."""

    PASSWORD = "health-s3cret-not-for-monitors"

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://:{self.PASSWORD}@127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--requirepass", self.PASSWORD],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10)

    def _answers(self) -> bool:
        ping = ["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a", self.PASSWORD, "ping"]
        result = subprocess.run(ping, capture_output=True, text=True, check=False, timeout=5)
        return result.stdout.strip() == "PONG"


@pytest.fixture
def redis_with_password():
    server = RedisWithPassword()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_clock
def test_redis_stopping_answers_503_naming_broker_and_cache_without_its_password(redis_with_password):
    with gunicorn(REDIS_URL=redis_with_password.url) as url:
        up = requests.get(f"{url}/health/", timeout=30)
        assert up.json()["checks"]["broker"] == {"ok": True, "message": "OK", "kind": "redis"}
        assert up.json()["checks"]["cache"]["ok"] is True

        redis_with_password.stop()
        down = requests.get(f"{url}/health/", timeout=30)

    assert down.status_code == 503
    assert {"broker", "cache"} <= set(down.json()["failing"])
    assert down.json()["checks"]["database"]["ok"] is True
    for response in (up, down):
        assert RedisWithPassword.PASSWORD not in response.text


@pytest.mark.parametrize("name", ["HEALTH_BEAT_MAX_AGE_MINUTES", "HEALTH_OUTBOX_MAX_AGE_MINUTES",
                                  "HEALTH_RESCAN_MAX_AGE_HOURS", "HEALTH_WORKER_CACHE_SECONDS"])
def test_a_bad_limit_in_the_environment_stops_start_up_naming_it(name):
    result = manage("check", **{name: "-1"})

    assert result.returncode != 0
    assert name in result.stderr.strip().splitlines()[-1]
