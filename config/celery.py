import logging
import os
import time

from celery import Celery
from celery.exceptions import WorkerShutdown
from celery.signals import worker_shutting_down
from django.db import transaction

from config.configuration_errors import settings_load_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("bulletin")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery reads the settings while it parses its command line (`celery -A config worker`), where a configuration error
# ended in a 90-line traceback: loaded first, it is one line naming the variable (config/configuration_errors.py).
app.on_configure.connect(lambda sender, **kwargs: settings_load_or_exit(), weak=False)
# bulletin keeps its tasks per capability (bulletin/digest/tasks.py, bulletin/texts/tasks.py).
app.autodiscover_tasks()
app.autodiscover_tasks(["bulletin.digest", "bulletin.handover", "bulletin.health", "bulletin.texts"])


@worker_shutting_down.connect
def _stop_polling_the_file_system_broker(how: str, exitcode: int, **kwargs) -> None:
    """End a warm shutdown's wait for the file-system broker at once (the demo's, with no REDIS_URL).

    Nothing can wake a worker that polls files: Celery's loop for such brokers noticed SIGTERM only after two more
    polls of 2 s each, and with its timer's second missed honcho's 5 s before SIGKILL (Ctrl-C on the demo). Raised
    here, in the signal handler, the shutdown ends the poll, as Celery 3 did; running tasks still finish. A message
    read at that instant may be lost, as with a killed worker on this broker: every task's sweep catches up.
    """
    if how == "Warm" and app.conf.broker_url.startswith("filesystem:"):
        raise WorkerShutdown(exitcode)


class BrokerUnavailable(Exception):
    """The broker did not take the task (down, hung, or it failed a moment ago)."""


# After the broker failed, sends are not tried for this long: with a hung Redis each try costs its
# socket timeouts, and a publish queues several tasks.
BROKER_PAUSE_SECONDS = 15
_broker_paused_until = 0.0


def broker_try_again() -> None:
    """End a pause after a broker failure; sweeps call it, as they run to find out whether it is back."""
    global _broker_paused_until
    _broker_paused_until = 0.0


def enqueue_now(name: str, *args, countdown: float | None = None) -> None:
    """Send the task registered as `name`; raises BrokerUnavailable when the broker does not take it."""
    global _broker_paused_until
    if time.monotonic() < _broker_paused_until:
        raise BrokerUnavailable(f"the broker failed less than {BROKER_PAUSE_SECONDS} s ago")
    try:
        app.send_task(name, args=args, countdown=countdown)
    except Exception as error:
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error


def enqueue_on_commit(name: str, *args, countdown: float | None = None) -> None:
    """Queue the task registered as `name` once the current transaction commits (at once outside one).

    The one way services hand work to Celery. By name, so a service never imports
    the tasks module that imports it. Never raises: with the broker down the
    caller's work stands and the failure is logged; the sweep or nightly run that
    belongs to each task catches up.
    """

    def send() -> None:
        try:
            enqueue_now(name, *args, countdown=countdown)
        except BrokerUnavailable as error:
            logger.warning("Could not queue %s%r (%s); its sweep will catch up", name, args, error)

    transaction.on_commit(send)
