from celery import shared_task

from notifications.outbox import outbox_send, outbox_sweep


# acks_late is safe: outbox_send claims the row, so a redelivered task sends nothing twice.
@shared_task(name="notifications.tasks.outbox_deliver", acks_late=True, ignore_result=True)
def outbox_deliver(delivery_id: int) -> None:
    outbox_send(delivery_id=delivery_id)


@shared_task(name="notifications.tasks.outbox_sweep_task", ignore_result=True)
def outbox_sweep_task() -> None:
    outbox_sweep()
