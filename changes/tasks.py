from celery import shared_task

from changes.events import change_events_sweep


# Safe to run twice: announcing is idempotent, and so is every receiver.
@shared_task(name="changes.tasks.change_events_sweep_task", ignore_result=True)
def change_events_sweep_task() -> None:
    change_events_sweep()
