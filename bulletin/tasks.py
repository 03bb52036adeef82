from celery import shared_task

from bulletin import flags
from bulletin.addenda import addenda_sweep, addendum_deliver
from bulletin.digest import digest_compile
from bulletin.digest_delivery import digest_deliver


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


# Safe to run twice (beat fires a missed run on start-up): compiling is
# idempotent and deliveries are keyed by week and revision.
@shared_task(ignore_result=True)
def digest_compile_task(week: str | None = None, send: bool = True) -> None:
    result = digest_compile(week=week)
    if send:
        digest_deliver(digest=result.digest)


@shared_task(ignore_result=True)
def addendum_deliver_task(addendum_id: int) -> None:
    addendum_deliver(addendum_id=addendum_id)


@shared_task(ignore_result=True)
def addenda_sweep_task() -> None:
    addenda_sweep()
