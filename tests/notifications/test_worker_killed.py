"""A worker killed with SIGKILL while it sends: the message goes out once its claim expires, from another worker."""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from config.celery import app
from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue, outbox_sweep
from tests.conftest import wait_for
from tests.servers import ROOT, database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_clock]


def _worker() -> subprocess.Popen:
    """A real prefork worker in its own process group, on this test process's queue and database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL or "",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
        "-Q", ",".join(queue.name for queue in app.conf.task_queues), "--without-heartbeat", "--without-mingle",
        "--without-gossip",
        "--loglevel=WARNING",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its child, mid-send
    worker.wait(timeout=10)


def _swept_and_delivered() -> bool:
    outbox_sweep()  # what beat runs every minute
    return Delivery.objects.get().status == Delivery.Status.DELIVERED


def test_a_message_claimed_by_a_killed_worker_is_sent_once_the_claim_expires(http_receiver, settings):
    settings.NOTIFICATIONS_CLAIM_SECONDS = 3
    app.control.purge()
    http_receiver.hold = True  # the receiver takes the request and does not answer yet
    webhook = Subscription.objects.create(kind="webhook", target=http_receiver.url, secret="k", topics=["t"])
    first = _worker()
    try:
        outbox_enqueue(subscription=webhook, key="k1", payload={"event": "t", "body": {"n": 1}})
        wait_for(lambda: http_receiver.requests, timeout=60)
        _kill(first)
    finally:
        if first.poll() is None:
            _kill(first)
    http_receiver.hold = False
    http_receiver.release.set()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENDING
    assert outbox_sweep() == 0  # the claim is fresh: its worker may still be sending

    second = _worker()
    try:
        # Within the claim time plus a sweep the message goes out again, from the other worker.
        wait_for(lambda: _swept_and_delivered(), timeout=60)
    finally:
        _kill(second)

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    # At least once: the receiver saw the request the killed worker made, and the one that was answered,
    # with the same delivery key, so it can drop the copy.
    ids = {request["headers"]["X-Bulletin-Delivery"] for request in http_receiver.requests}
    assert len(http_receiver.requests) == 2 and len(ids) == 1
