from celery import shared_task

from bulletin import flags


# acks_late is safe: every scan is idempotent, a redelivered one writes nothing new.
@shared_task(acks_late=True, ignore_result=True)
def flags_scan_change_task(change_id: int) -> None:
    flags.flags_scan_change(change_id=change_id)


@shared_task(acks_late=True, ignore_result=True)
def flags_scan_texts_task(text_ids: list[int]) -> None:
    flags.flags_scan_texts(text_ids=text_ids)


@shared_task(acks_late=True, ignore_result=True)
def flags_rescan_all_task() -> None:
    flags.flags_rescan_all()
