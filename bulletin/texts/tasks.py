"""Celery entry points of the flag scans: one service call each, under stable names.

The names are the ones beat and queued messages use (they date from when every
task lived in bulletin/tasks.py); keep them. acks_late is safe: every scan is
idempotent, a redelivered one writes nothing new.
"""

from celery import shared_task

from bulletin.texts import flags


@shared_task(name="bulletin.tasks.flags_scan_change_task", acks_late=True, ignore_result=True)
def flags_scan_change_task(change_id: int) -> None:
    flags.flags_scan_change(change_id=change_id)


@shared_task(name="bulletin.tasks.flags_scan_texts_task", acks_late=True, ignore_result=True)
def flags_scan_texts_task(text_ids: list[int]) -> None:
    flags.flags_scan_texts(text_ids=text_ids)


@shared_task(name="bulletin.tasks.flags_rescan_all_task", acks_late=True, ignore_result=True)
def flags_rescan_all_task() -> None:
    flags.flags_rescan_all()
