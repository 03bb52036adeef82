"""What /health/ checks: django-health-check checks, each under the name the JSON answer gives it.

database, cache, the Redis broker and the worker ping are the library's own checks, run where they cost least; the
file-system broker, beat, outbox and rescan are ours (the last three read the heartbeat, the outbox and the last
full re-scan through their selectors).
The messages are English, as log lines are: monitors and the people on call read them, and an alert rule that
matches one must not change with the language. They name no server, address or credential: the answer is public.
"""

import contextlib
import dataclasses
import datetime
import os
import typing

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from health_check import checks as library
from health_check.base import HealthCheck, HealthCheckResult
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import HealthCheckException, ServiceUnavailable
from redis.asyncio import Redis as RedisClient

from bulletin.health.heartbeat import heartbeat_last
from bulletin.texts.selectors import flags_rescan_last_finished
from config.celery import app as celery_app
from notifications.selectors import outbox_oldest_due_at

# The migration that made the tables of the heartbeat and of the full re-scan. Before either was ever recorded
# (a fresh install, or an upgrade to this version) its check counts from then, so it fails only once beat has
# had its whole period to record one.
RECORDS_MIGRATION = ("bulletin", "0014_heartbeat_fullrescan")
WORKER_ANSWER_KEY = "bulletin:health:worker"
# As every other Redis call of the service (settings: CACHES, CELERY_BROKER_TRANSPORT_OPTIONS).
REDIS_TIMEOUT_SECONDS = 0.5


def health_checks() -> list[HealthCheck]:
    """The checks of one /health/ call (new instances: each keeps its call's details)."""
    broker = FilesystemBroker() if settings.CELERY_BROKER_URL == "filesystem://" else RedisBroker()
    return [Database(), Cache(), broker, Worker(), Beat(), Outbox(), Rescan()]


def health_report(results: list[HealthCheckResult]) -> dict:
    """The JSON answer: every check by name with ok, a message and what it measured; `failing` names the failed."""
    checks = {
        result.check.name: {
            "ok": result.error is None,
            "message": result.error.message if result.error else "OK",
            **getattr(result.check, "details", {}),
        }
        for result in results
    }
    failing = [name for name, entry in checks.items() if not entry["ok"]]
    return {"status": "failing" if failing else "ok", "failing": failing, "checks": checks}


async def _database_read(selector: typing.Callable[[], typing.Any]) -> typing.Any:
    """`selector()` in the request's own thread, on its connection (see Database); a database that cannot be
    reached fails the check that asked instead of answering 500."""
    try:
        return await sync_to_async(selector)()
    except DatabaseError as error:
        raise ServiceUnavailable("cannot read it from the database") from error


def _records_since() -> datetime.datetime | None:
    app_label, name = RECORDS_MIGRATION
    return (
        MigrationRecorder.Migration.objects.filter(app=app_label, name=name)
        .values_list("applied", flat=True)
        .first()
    )


def _duration(span: datetime.timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 120 * 60:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def _recent_enough(
    check: HealthCheck, *, last: datetime.datetime | None, limit: datetime.timedelta, what: str, cause: str
) -> None:
    """Fail `check` when `last` is older than `limit`, or missing longer than `limit` after RECORDS_MIGRATION."""
    now = timezone.now()
    if last is None:
        since = await _database_read(_records_since)
        check.details = {"last": None, "age_seconds": None}
        if since is not None and now - since <= limit:
            check.details["expected_by"] = (since + limit).isoformat()
            return
        raise ServiceUnavailable(f"no {what} recorded yet, more than {_duration(limit)} after the install: {cause}")
    age = max(now - last, datetime.timedelta(0))
    check.details = {"last": last.isoformat(), "age_seconds": int(age.total_seconds())}
    if age > limit:
        raise ServiceUnavailable(f"last {what} {_duration(age)} ago, over the limit of {_duration(limit)}: {cause}")


@dataclasses.dataclass
class Database(library.Database):
    """The library's SELECT 1, in the request's own thread: on the connection the request holds anyway, where the
    library's thread pool would open one (on PostgreSQL a server process) on every call."""

    name: typing.ClassVar[str] = "database"

    async def run(self):
        try:
            await sync_to_async(super().run)()
        except HealthCheckException as error:
            # The library passes on the driver's message, which may name the server.
            raise ServiceUnavailable("cannot reach the database") from error


@dataclasses.dataclass
class Cache(library.Cache):
    """The library's set and get of a key in the default cache: Redis with REDIS_URL (the API throttle counts
    there), else this process's own memory."""

    name: typing.ClassVar[str] = "cache"


def _broker_client() -> RedisClient:
    return RedisClient.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


@dataclasses.dataclass
class RedisBroker(Redis):
    """The library's PING of the Redis that Celery's messages go through."""

    name: typing.ClassVar[str] = "broker"
    client_factory: typing.Callable[[], RedisClient] | None = dataclasses.field(default=_broker_client, repr=False)

    async def run(self):
        self.details = {"kind": "redis"}
        await super().run()


def _broker_folders() -> tuple[str, ...]:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return tuple(sorted({options[key] for key in ("data_folder_in", "data_folder_out", "control_folder")}))


@dataclasses.dataclass
class FilesystemBroker(HealthCheck):
    """The embedded broker (no REDIS_URL) has no server to ask: kombu keeps each message as a file in its folders,
    so what can be checked is that they exist and that this process may write there (the worker and beat must too).
    """

    name: typing.ClassVar[str] = "broker"
    folders: tuple[str, ...] = dataclasses.field(default_factory=_broker_folders)

    def run(self):
        self.details = {"kind": "filesystem", "checked": "its message folders exist and are writable"}
        for folder in self.folders:
            if not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
                raise ServiceUnavailable("a message folder of the file-system broker is missing or not writable")


async def _remembered(key: str) -> str | None:
    try:
        return await cache.aget(key)
    except Exception:  # Redis down or hung: ask afresh (the cache check reports it)
        return None


async def _remember(key: str, value: str) -> None:
    if not settings.HEALTH_WORKER_CACHE_SECONDS:
        return
    with contextlib.suppress(Exception):  # as in _remembered
        await cache.aset(key, value, timeout=settings.HEALTH_WORKER_CACHE_SECONDS)


def _ping_seconds() -> float:
    # The file-system broker looks at its folders once a second, the worker for the ping and this process for the
    # reply: 1 s missed answers now and then (measured), so 3 s there. On Redis a worker answers in milliseconds.
    return 3.0 if settings.CELERY_BROKER_URL == "filesystem://" else 1.0


@dataclasses.dataclass
class _Ping(Ping):
    """The library's ping; its question about queues waits as long as the ping, not the library's fixed second."""

    def check_active_queues(self, *active_workers):
        defined = {queue.name for queue in self.app.conf.task_queues or ()} or {self.app.conf.task_default_queue}
        inspect = self.app.control.inspect(list(active_workers), timeout=self.timeout.total_seconds())
        active = {queue.get("name") for queues in (inspect.active_queues() or {}).values() for queue in queues}
        for queue in sorted(defined - active):
            raise ServiceUnavailable(f"No worker for Celery task queue {queue}")


def _ping() -> Ping:
    return _Ping(app=celery_app, timeout=datetime.timedelta(seconds=_ping_seconds()))


@dataclasses.dataclass
class Worker(HealthCheck):
    """The library's ping of the Celery workers (a second on Redis), which then asks those that answered for their
    queues: every queue must have one.

    Its answer, good or bad, is reused for HEALTH_WORKER_CACHE_SECONDS in the cache: the ping waits out its whole
    timeout for every worker to answer, and monitors and load balancers call every few seconds.
    """

    name: typing.ClassVar[str] = "worker"
    ping: Ping = dataclasses.field(default_factory=_ping, repr=False)
    # The whole check: the ping, then the question about queues (which ends as soon as every worker answered).
    timeout: datetime.timedelta = dataclasses.field(
        # The ping waits its whole timeout, then the queues are asked: room for both, and for a busy machine's
        # slow file-system broker (6 s there timed out under the test suite's load).
        default_factory=lambda: datetime.timedelta(seconds=2 * _ping_seconds() + 3), repr=False
    )

    async def run(self):
        answer = await _remembered(WORKER_ANSWER_KEY)
        self.details = {"cached": answer is not None}
        if answer is None:
            answer = await sync_to_async(self._ask, thread_sensitive=False)()
            await _remember(WORKER_ANSWER_KEY, answer)
        if answer:
            raise ServiceUnavailable(answer)

    def _ask(self) -> str:
        """'' when a worker answered for every queue, else what is wrong."""
        try:
            self.ping.run()
        except HealthCheckException as error:
            return error.message
        except Exception:  # kombu's OperationalError and the like: the broker check says more
            return "cannot reach the broker to ping the workers"
        return ""


@dataclasses.dataclass
class Beat(HealthCheck):
    """Beat's last heartbeat (heartbeat.py) within HEALTH_BEAT_MAX_AGE_MINUTES."""

    name: typing.ClassVar[str] = "beat"

    async def run(self):
        await _recent_enough(
            self,
            last=await _database_read(heartbeat_last),
            limit=datetime.timedelta(minutes=settings.HEALTH_BEAT_MAX_AGE_MINUTES),
            what="heartbeat",
            # The heartbeat is recorded by a task, on a worker of the default queue.
            cause="beat is down, or every worker of the default queue is",
        )


@dataclasses.dataclass
class Outbox(HealthCheck):
    """The outbox's backlog: how long the longest-waiting due message has waited, within
    HEALTH_OUTBOX_MAX_AGE_MINUTES."""

    name: typing.ClassVar[str] = "outbox"

    async def run(self):
        due = await _database_read(outbox_oldest_due_at)
        waited = max(timezone.now() - due, datetime.timedelta(0)) if due else datetime.timedelta(0)
        limit = datetime.timedelta(minutes=settings.HEALTH_OUTBOX_MAX_AGE_MINUTES)
        self.details = {"oldest_waiting_seconds": int(waited.total_seconds())}
        if waited > limit:
            raise ServiceUnavailable(
                f"a message has waited {_duration(waited)} to be sent, over the limit of {_duration(limit)}: "
                "no worker takes the deliveries, or they cannot keep up"
            )


@dataclasses.dataclass
class Rescan(HealthCheck):
    """The last full re-scan of the flags (beat's, nightly) within HEALTH_RESCAN_MAX_AGE_HOURS."""

    name: typing.ClassVar[str] = "rescan"

    async def run(self):
        await _recent_enough(
            self,
            last=await _database_read(flags_rescan_last_finished),
            limit=datetime.timedelta(hours=settings.HEALTH_RESCAN_MAX_AGE_HOURS),
            what="full re-scan",
            cause="beat or the scans' worker is down, or the scan fails (the worker's log says why)",
        )
