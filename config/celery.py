import logging
import os

from celery import Celery
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

app = Celery("bulletin")
app.config_from_object("django.conf:settings", namespace="CELERY")
# bulletin keeps its tasks per capability (bulletin/digest/tasks.py, bulletin/texts/tasks.py).
app.autodiscover_tasks()
app.autodiscover_tasks(["bulletin.digest", "bulletin.texts"])


def enqueue_on_commit(name: str, *args, countdown: float | None = None) -> None:
    """Queue the task registered as `name` once the current transaction commits (at once outside one).

    The one way services hand work to Celery. By name, so a service never imports
    the tasks module that imports it. Never raises: with the broker down the
    caller's work stands and the failure is logged; the sweep or nightly run that
    belongs to each task catches up.
    """

    def send() -> None:
        try:
            app.send_task(name, args=args, countdown=countdown)
        except Exception:
            logger.warning("Could not queue %s%r; its sweep will catch up", name, args, exc_info=True)

    transaction.on_commit(send)
