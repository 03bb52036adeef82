"""Imports started from the import page: the upload is stored, a worker imports it and reports progress.

`import_run_start` stores the uploaded files and queues the run; `import_run_execute`
(the task's one call) claims it, imports it exactly as `import_support_texts` does
(file_import.texts_files_import) and records the outcome the page shows.
"""

import datetime
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from bulletin.texts.file_import import import_summary, texts_files_import
from bulletin.texts.importing import ImportResult, support_text_source_clean
from bulletin.texts.models import ImportRun
from bulletin.texts.reading import ImportReading, InputFile, files_unpack, format_choices
from config.celery import enqueue_on_commit

TASK_NAME = "bulletin.tasks.support_texts_import_task"
# The worker writes its progress at most this often: often enough for a progress bar, rare enough
# that 100,000 rows do not become 100 updates a second.
PROGRESS_INTERVAL_SECONDS = 0.5


def import_run_dir(run_id: int) -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR) / str(run_id)


def import_run_start(
    *, user, uploaded_files: Iterable[UploadedFile], source: str, format: str = "", base_url: str = ""
) -> ImportRun:
    """Store the uploads under IMPORT_UPLOAD_DIR/<run id>/ and queue the run after commit.

    Raises ValidationError on `source`, `format` or `file` (nothing stored then). The
    caller checks the permission (can_import_support_texts) and the upload size.
    """
    source = support_text_source_clean(source)
    if format and format not in {name for name, _label in format_choices()}:
        raise ValidationError({"format": _("Unknown format %(name)s.") % {"name": format}})
    uploaded_files = list(uploaded_files)
    if not uploaded_files:
        raise ValidationError({"file": _("Choose at least one file.")})
    with transaction.atomic():
        language = translation.get_language() or settings.LANGUAGE_CODE
        run = ImportRun.objects.create(
            started_by=user, source=source, format=format, base_url=base_url, language=language
        )
        directory = import_run_dir(run.pk)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for index, upload in enumerate(uploaded_files):
                name = Path(upload.name or "upload").name
                # The index keeps two uploads of one name apart; the person still sees the name they chose.
                path = directory / f"{index}-{get_valid_filename(name) or 'upload'}"
                with open(path, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                run.files.append({"name": name, "path": str(path), "size": path.stat().st_size})
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        run.bytes_total = sum(entry["size"] for entry in run.files)
        run.save(update_fields=["files", "bytes_total"])
        # The worker writes the rejection reasons in the language of the person who started the run.
        enqueue_on_commit(TASK_NAME, run.pk, language)
    return run


def import_runs_sweep(*, now=None) -> int:
    """Queue again the runs whose task never arrived or whose worker died; how many.

    A queued run older than a minute had its task lost (the broker was away at commit);
    a running one silent for IMPORT_STALE_MINUTES lost its worker. Running it again is
    safe: the import upserts, and the claim lets only one worker have it.
    """
    now = now or timezone.now()
    stale = now - datetime.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    ImportRun.objects.filter(status=ImportRun.Status.RUNNING, updated_at__lt=stale).update(
        status=ImportRun.Status.QUEUED, updated_at=now
    )
    waiting = ImportRun.objects.filter(
        status=ImportRun.Status.QUEUED, updated_at__lt=now - datetime.timedelta(minutes=1)
    ).values_list("pk", "language")
    count = 0
    for run_id, language in waiting:
        enqueue_on_commit(TASK_NAME, run_id, language or settings.LANGUAGE_CODE)
        count += 1
    return count


def import_run_execute(run_id: int, *, language: str | None = None) -> None:
    """Import a queued run; idempotent: a run that is not queued (a second delivery) is left alone.

    Ends the run as done (counts, formats, every rejected row) or failed (the reason;
    what was committed before a failure is counted and scanned). The uploaded files
    are deleted either way.
    """
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return
    run = ImportRun.objects.get(pk=run_id)
    directory = import_run_dir(run.pk)
    result = ImportResult()
    reading = None
    # The starter's language: the rejection reasons and the error are stored as they will be read.
    with translation.override(language or run.language or settings.LANGUAGE_CODE):
        try:
            unpacked = directory / "unpacked"
            unpacked.mkdir(parents=True, exist_ok=True)
            files = files_unpack(
                [Path(entry["path"]) for entry in run.files],
                into=unpacked,
                names=[entry["name"] for entry in run.files],
            )
            reading = ImportReading(files, format=run.format, base_url=run.base_url)
            ImportRun.objects.filter(pk=run.pk).update(bytes_total=reading.bytes_total)
            texts_files_import(
                reading=reading, source=run.source, result=result, progress=_progress_writer(run.pk, reading, result)
            )
        except ValidationError as error:
            _finish(run, ImportRun.Status.FAILED, reading=reading, result=result, error="; ".join(error.messages))
        except Exception as error:
            # Not the file's fault (a bug, the database away): say so on the page, and let the worker log it.
            _finish(
                run,
                ImportRun.Status.FAILED,
                reading=reading,
                result=result,
                error=_("The import stopped unexpectedly (%(error)s).") % {"error": type(error).__name__},
            )
            raise
        else:
            _finish(run, ImportRun.Status.DONE, reading=reading, result=result)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _progress_writer(run_id: int, reading: ImportReading, result: ImportResult):
    last = [0.0]

    def progress(rows: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL_SECONDS:
            return
        last[0] = now
        ImportRun.objects.filter(pk=run_id).update(
            bytes_read=reading.bytes_read,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            updated_at=timezone.now(),  # .update() skips auto_now; the sweep reads it as a sign of life
        )

    return progress


def _finish(run: ImportRun, status: str, *, reading: ImportReading | None, result: ImportResult, error: str = ""):
    run.status = status
    run.error = error
    run.created, run.updated, run.unchanged = result.created, result.updated, result.unchanged
    run.rejected = [[position, errors] for position, errors in result.rejected]
    if reading is not None:
        run.bytes_total = reading.bytes_total
        # Per file the format read, plus what the summary says of the whole reading (see import_run_summary).
        run.formats = {
            "files": [{"name": file.name, "format": file.format} for file in reading.files],
            "lines": reading.lines,
            "unlinked": reading.unlinked,
        }
    run.bytes_read = run.bytes_total if status == ImportRun.Status.DONE else reading.bytes_read if reading else 0
    run.finished_at = timezone.now()
    run.save()


@dataclass
class _StoredReading:
    """What import_summary reads of an ImportReading, as a finished run stored it."""

    files: list[InputFile]
    format: str = ""
    lines: int = 0
    unlinked: int = 0


def import_run_summary(run: ImportRun) -> list[str]:
    """The summary lines of a finished run, the same the command prints, in the reader's language."""
    stored = run.formats if isinstance(run.formats, dict) else {}
    files = [InputFile(name=entry["name"], path=Path(), format=entry["format"]) for entry in stored.get("files", [])]
    reading = _StoredReading(
        files=files, format=run.format, lines=stored.get("lines", 0), unlinked=stored.get("unlinked", 0)
    )
    result = ImportResult(
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=[(position, errors) for position, errors in run.rejected],
    )
    return import_summary(reading, result)
