from celery import shared_task
from django.conf import settings

from notifications.outbox import outbox_send, outbox_sweep


# acks_late is safe: outbox_send claims the row, so a redelivered task sends nothing twice.
# The time limit ends an attempt before its claim expires, so a slow worker never sends beside the one
# that picks the row up after it (prefork pools enforce it).
@shared_task(
    name="notifications.tasks.outbox_deliver",
    acks_late=True,
    ignore_result=True,
    time_limit=settings.NOTIFICATIONS_CLAIM_SECONDS - 5,
)
def outbox_deliver(delivery_id: int) -> None:
    outbox_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.outbox_sweep_task", ignore_result=True)
def outbox_sweep_task() -> None:
    outbox_sweep()
