"""Beat's heartbeat: a task beat queues every minute records the time; /health/ reads how old it is.

The task runs on a worker of the default queue, not in beat itself, so the time it records is what beat and
that queue's workers managed together: a stale heartbeat means beat is down, or every worker of the default
queue is (the worker check of /health/ tells which).
"""

import datetime

from django.utils import timezone

from bulletin.health.models import Heartbeat


def heartbeat_record() -> None:
    """Record that beat's heartbeat reached a worker now. Idempotent: one row, overwritten."""
    Heartbeat.objects.update_or_create(pk=Heartbeat.ROW, defaults={"beat_at": timezone.now()})


def heartbeat_last() -> datetime.datetime | None:
    """When the last heartbeat was recorded; None before the first. One query by primary key."""
    return Heartbeat.objects.filter(pk=Heartbeat.ROW).values_list("beat_at", flat=True).first()
