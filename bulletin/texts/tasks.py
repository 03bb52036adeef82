"""Celery entry points of the flag scans and the help-desk sync: one service call each, under stable names.

The names are the ones beat and queued messages use (they date from when every
task lived in bulletin/tasks.py); keep them. acks_late is safe: every scan is
idempotent, a redelivered one writes nothing new.
"""

from celery import shared_task

from bulletin.texts import flags, import_runs, syncing


@shared_task(name="bulletin.tasks.flags_scan_change_task", acks_late=True, ignore_result=True)
def flags_scan_change_task(change_id: int) -> None:
    flags.flags_scan_change(change_id=change_id)


@shared_task(name="bulletin.tasks.flags_scan_texts_task", acks_late=True, ignore_result=True)
def flags_scan_texts_task(text_ids: list[int]) -> None:
    flags.flags_scan_texts(text_ids=text_ids)


@shared_task(name="bulletin.tasks.flags_rescan_all_task", acks_late=True, ignore_result=True)
def flags_rescan_all_task() -> None:
    flags.flags_rescan_all()


@shared_task(name="bulletin.tasks.flags_without_parents_sweep_task", acks_late=True, ignore_result=True)
def flags_without_parents_sweep_task() -> None:
    flags.flags_without_parents_sweep_all()


# Beat runs it per configured help desk (settings: helpdesk-sync-<name>). Safe to run twice: a second sync
# while one runs returns at once, and an unchanged help desk writes nothing. A failed sync is recorded on
# HelpdeskSync (last_error) and not retried here: the next scheduled run starts afresh.
@shared_task(name="bulletin.tasks.helpdesk_sync_task", acks_late=True, ignore_result=True)
def helpdesk_sync_task(helpdesk: str, full: bool = False) -> None:
    syncing.helpdesk_sync(helpdesk=helpdesk, full=full)


@shared_task(name="bulletin.tasks.support_texts_import_task", ignore_result=True)
def support_texts_import_task(run_id: int, language: str | None = None) -> None:
    # A second delivery finds the run claimed and does nothing (import_run_execute's conditional UPDATE).
    import_runs.import_run_execute(run_id, language=language)


@shared_task(name="bulletin.tasks.import_runs_sweep_task", ignore_result=True)
def import_runs_sweep_task() -> None:
    import_runs.import_runs_sweep()
