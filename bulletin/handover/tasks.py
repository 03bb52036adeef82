from celery import shared_task
from django.utils import timezone

from bulletin.handover.reminders import handover_reminders_send


# Safe to run twice: each reminder is keyed by change and subscription in the outbox.
@shared_task(name="bulletin.tasks.handover_reminders_task", ignore_result=True)
def handover_reminders_task() -> None:
    handover_reminders_send(today=timezone.localdate())
