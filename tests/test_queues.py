"""Scans, deliveries and everything else on queues of their own, so a full re-scan never delays an e-mail."""

import datetime
import email
import email.policy
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from honcho.environ import parse_procfile

from changes.models import Change, Membership
from config import settings as service_settings
from config.celery import app
from notifications.models import Delivery, Subscription
from notifications.outbox import outbox_enqueue
from tests.conftest import wait_for
from tests.receivers import start_smtp_sink
from tests.servers import database_url

ROOT = Path(__file__).resolve().parent.parent
QUEUES = {"default", "deliveries", "scans"}
# Every task the worker knows, and its queue. A new task fails test_every_task_has_chosen_its_queue until it is
# listed here: the queue is a decision (settings.CELERY_TASK_ROUTES), not an accident.
QUEUE_OF_TASK = {
    "bulletin.tasks.flags_scan_change_task": "scans",
    "bulletin.tasks.flags_scan_texts_task": "scans",
    "bulletin.tasks.flags_rescan_all_task": "scans",
    "bulletin.tasks.flags_without_parents_sweep_task": "scans",
    "bulletin.tasks.helpdesk_sync_task": "scans",
    "bulletin.tasks.support_texts_import_task": "scans",
    "notifications.tasks.outbox_deliver": "deliveries",
    "notifications.tasks.outbox_sweep_task": "deliveries",
    "bulletin.tasks.addendum_deliver_task": "deliveries",
    "bulletin.tasks.addenda_sweep_task": "deliveries",
    "bulletin.tasks.digest_compile_task": "default",
    "bulletin.tasks.handover_reminders_task": "default",
    "bulletin.tasks.import_runs_sweep_task": "default",
    "changes.tasks.change_events_sweep_task": "default",
    "bulletin.tasks.health_heartbeat_task": "default",
}


def _ours(queue: str) -> str:
    """The queue's name in this test process (tests/settings.py gives each test process its own)."""
    return settings.TEST_QUEUE_PREFIX + queue


def _routed_to(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def _waiting(queue: str) -> int:
    """Messages in the broker's queue that no worker has taken."""
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue, passive=True).message_count


def test_every_task_has_chosen_its_queue():
    app.loader.import_default_modules()
    assert {name for name in app.tasks if not name.startswith("celery.")} == set(QUEUE_OF_TASK)


@pytest.mark.parametrize(("task_name", "queue"), QUEUE_OF_TASK.items())
def test_the_router_sends_each_task_to_its_queue(task_name, queue):
    assert _routed_to(task_name) == _ours(queue)


def test_the_service_names_its_queues_default_deliveries_and_scans():
    # tests/settings.py prefixes them; the service's own settings use the names the Procfiles and README give.
    assert service_settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    assert {queue.name for queue in service_settings.CELERY_TASK_QUEUES} == QUEUES
    assert {route["queue"] for route in service_settings.CELERY_TASK_ROUTES.values()} == {"scans", "deliveries"}


def _worker_queues(procfile: str) -> dict[str, set[str]]:
    """{process name: the queues its `celery worker` consumes}, read with honcho's own Procfile parser."""
    processes = parse_procfile((ROOT / "config" / procfile).read_text(encoding="utf-8")).processes
    workers = {}
    for name, command in processes.items():
        words = shlex.split(command)
        if "worker" in words:
            option = next(word for word in words if re.match(r"(--queues=|-Q)", word))
            value = option.split("=", 1)[1] if "=" in option else words[words.index(option) + 1]
            workers[name] = set(value.split(","))
    return workers


def test_the_demo_worker_consumes_all_three_queues_and_production_has_a_worker_per_queue():
    assert _worker_queues("Procfile") == {"worker": QUEUES}
    production = _worker_queues("Procfile.production")
    assert sorted(len(queues) for queues in production.values()) == [1, 1, 1]
    assert set().union(*production.values()) == QUEUES


@pytest.fixture
def smtp_server(settings):
    sink, controller = start_smtp_sink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1", controller.port, False, 5
    )
    yield sink
    controller.stop()


@pytest.mark.django_db(transaction=True)
def test_an_email_goes_out_while_a_full_rescan_waits_on_the_scans_queue(smtp_server):
    app.loader.import_default_modules()
    app.control.purge()
    subscription = Subscription.objects.create(kind="email", target="mia@example.com", topics=["digest"])
    # The nightly re-scan is queued first, and no worker of the scans queue is running.
    app.send_task("bulletin.tasks.flags_rescan_all_task")
    with transaction.atomic():
        outbox_enqueue(
            subscription=subscription, key="k1", payload={"subject": "Lieferzeit", "text": "10–14 Werktage"}
        )
    try:
        with start_worker(
            app, pool="solo", queues=[_ours("deliveries")], perform_ping_check=False, loglevel="WARNING",
            shutdown_timeout=20,
        ):
            wait_for(lambda: smtp_server.to("mia@example.com"))
        assert Delivery.objects.get().status == Delivery.Status.DELIVERED
        assert _waiting(_ours("scans")) == 1  # the re-scan is still there, untouched
    finally:
        # The worker narrowed the app's queues to the one it consumed; the next test's worker takes all three.
        app.amqp.queues.select([queue.name for queue in app.conf.task_queues])
        app.control.purge()


# --- Exactly one beat: a second one, started by mistake, sends nothing twice ------------------------------------


@pytest.fixture
def finished_task_names():
    """Names of the tasks this test's worker has finished, one entry per run."""
    names: list[str] = []

    def record(sender=None, **kwargs):
        names.append(sender.name)

    task_postrun.connect(record, weak=False)
    yield names
    task_postrun.disconnect(record)


@pytest.fixture
def due_digest_and_reminders(make_change, team, lead, support_lead):
    """This week's digest for two readers, and a change taking effect in two days whose handover nobody
    confirmed: its filing lead and the support lead are to be reminded."""
    # An agent whose address was added after they joined: the digest subscribes them (agents get it unasked).
    agent = get_user_model().objects.create_user("mia")
    Membership.objects.create(user=agent, team=team, role=Membership.Role.AGENT)
    get_user_model().objects.filter(pk=agent.pk).update(email="mia@example.com")
    agent.refresh_from_db()
    Subscription.objects.create(kind="email", target="shop@example.com", topics=["digest"])
    make_change(
        team=team, user=lead, status=Change.Status.PUBLISHED, title="Neue Lieferzeit",
        effective_from=timezone.localdate() + datetime.timedelta(days=2),
    )
    return {"digest": [agent.email, "shop@example.com"], "reminder": [lead.email, support_lead.email]}


def _threads_worker():
    """A real worker of all three queues, with four threads: tasks sent together run at the same time."""
    app.loader.import_default_modules()
    app.control.purge()
    return start_worker(
        app, pool="threads", concurrency=4, queues=[queue.name for queue in app.conf.task_queues],
        perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20,
    )


def _subjects_by_recipient(sink) -> dict[str, list[str]]:
    received: dict[str, list[str]] = {}
    for message in sink.messages:
        subject = email.message_from_bytes(message["content"], policy=email.policy.default)["Subject"]
        for address in message["to"]:
            received.setdefault(address, []).append(subject)
    return received


def _all_delivered() -> bool:
    return Delivery.objects.exists() and not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


def _assert_one_digest_and_one_reminder_each(sink, recipients):
    received = _subjects_by_recipient(sink)
    assert set(received) == set(recipients["digest"]) | set(recipients["reminder"])
    for address in recipients["digest"]:
        assert len([s for s in received[address] if "Handover" not in s]) == 1, received[address]
    for address in recipients["reminder"]:
        assert [s for s in received[address] if "Handover" in s] == ["Handover not confirmed: Neue Lieferzeit"]


@pytest.mark.django_db(transaction=True)
def test_the_digest_and_the_reminders_queued_twice_at_once_reach_each_reader_once(
    due_digest_and_reminders, smtp_server, finished_task_names
):
    # What two beats do at Monday 06:00 and at the reminder hour: each queues the same task at the same moment.
    with _threads_worker():
        for _ in range(2):
            app.send_task("bulletin.tasks.digest_compile_task")
            app.send_task("bulletin.tasks.handover_reminders_task")
        wait_for(lambda: finished_task_names.count("bulletin.tasks.digest_compile_task") == 2)
        wait_for(lambda: finished_task_names.count("bulletin.tasks.handover_reminders_task") == 2)
        wait_for(_all_delivered)
    app.control.purge()
    _assert_one_digest_and_one_reminder_each(smtp_server, due_digest_and_reminders)


def _beat(schedule_file: Path) -> subprocess.Popen:
    """A real `celery beat`, with the weekly digest and the reminders due every second, on this test's queues."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.beat_every_second_settings",
        "TEST_QUEUE_PREFIX": settings.TEST_QUEUE_PREFIX,
        "BEAT_SCHEDULE_PATH": str(schedule_file),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL or "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _read_lines(process: subprocess.Popen, into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(process.stdout), daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_started_by_mistake_send_one_digest_and_one_reminder_each(
    due_digest_and_reminders, smtp_server, finished_task_names, tmp_path
):
    outputs: list[list[str]] = [[], []]
    with _threads_worker():
        # Each with a schedule file of its own, as two hosts would have.
        beats = [_beat(tmp_path / f"celerybeat-schedule-{n}") for n in range(2)]
        readers = [_read_lines(beat, output) for beat, output in zip(beats, outputs, strict=True)]
        try:
            # Until each beat has queued each task at least twice: four of each, and more, reach the worker.
            wait_for(
                lambda: all(
                    sum(f"Sending due task {entry}" in line for line in output) >= 2
                    for output in outputs
                    for entry in ("digest-weekly", "handover-reminders")
                ),
                timeout=60,
            )
        finally:
            for beat in beats:
                os.killpg(beat.pid, signal.SIGTERM)
                beat.wait(timeout=20)
            for reader in readers:
                reader.join(timeout=5)
        sent = {
            task: sum(f"Sending due task {entry}" in line for output in outputs for line in output)
            for entry, task in (
                ("digest-weekly", "bulletin.tasks.digest_compile_task"),
                ("handover-reminders", "bulletin.tasks.handover_reminders_task"),
            )
        }
        assert min(sent.values()) >= 4, outputs
        wait_for(lambda: all(finished_task_names.count(task) == count for task, count in sent.items()), timeout=60)
        wait_for(_all_delivered)
    app.control.purge()
    _assert_one_digest_and_one_reminder_each(smtp_server, due_digest_and_reminders)
