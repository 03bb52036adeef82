"""Reading the outbox for other apps (bulletin's /health/ reports its backlog)."""

import datetime

from django.db.models import Min

from notifications.models import Delivery


def outbox_oldest_due_at() -> datetime.datetime | None:
    """When the longest-waiting pending delivery became due to be sent (its next attempt's time); None when none
    is pending.

    A time still ahead means nothing is due: every pending delivery waits for a retry, after a receiver failed.
    The time it became due, not when it was written: a receiver failing for an hour is retried with backoff and
    is no backlog. One query on the (status, next_attempt_at) index.
    """
    return Delivery.objects.filter(status=Delivery.Status.PENDING).aggregate(due=Min("next_attempt_at"))["due"]
