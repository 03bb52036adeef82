from celery import shared_task

from bulletin.addenda import addendum_deliver, addenda_sweep
from bulletin.digest import digest_compile
from bulletin.digest_delivery import digest_deliver


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
