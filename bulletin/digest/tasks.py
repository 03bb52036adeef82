"""Celery entry points of the digest: one service call each, under stable names.

The names are the ones beat and queued messages use (they date from when every
task lived in bulletin/tasks.py); keep them.
"""

from celery import shared_task

from bulletin.digest.addenda import addenda_sweep, addendum_deliver
from bulletin.digest.delivery import digest_compile_and_deliver


# Safe to run twice (beat fires a missed run on start-up): compiling is
# idempotent and deliveries are keyed by week and revision.
@shared_task(name="bulletin.tasks.digest_compile_task", ignore_result=True)
def digest_compile_task(week: str | None = None, send: bool = True) -> None:
    digest_compile_and_deliver(week=week, send=send)


@shared_task(name="bulletin.tasks.addendum_deliver_task", ignore_result=True)
def addendum_deliver_task(addendum_id: int) -> None:
    addendum_deliver(addendum_id=addendum_id)


@shared_task(name="bulletin.tasks.addenda_sweep_task", ignore_result=True)
def addenda_sweep_task() -> None:
    addenda_sweep()
