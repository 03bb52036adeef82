import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bulletin.texts.file_import import (
    EXIT_NOTHING_READ,
    import_exit_status,
    import_summary,
    rejected_lines,
    texts_files_import,
)
from bulletin.texts.importing import ImportResult
from bulletin.texts.reading import ImportReading, files_unpack, format_choices

# Below this many bytes a progress bar is noise.
PROGRESS_MIN_BYTES = 1_000_000


class Command(BaseCommand):
    help = (
        "Import macros and FAQ entries from help-desk exports (Zendesk, Freshdesk, Zammad, Gorgias, Intercom), or "
        "from CSV (comma or semicolon), JSON Lines or JSON array files with the columns external_id, kind, title, "
        "body, url, edit_url, language, tags (optional owner_team, active). Several files or a .zip import in one "
        "run. Upserts by (source, external_id); safe to re-run. Exits 0 when every row was read, 1 when some were "
        "rejected, 2 when nothing could be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--source", default="import", help="Where the texts come from, e.g. zendesk.")
        parser.add_argument(
            "--format",
            default="",
            choices=[name for name, _label in format_choices()],
            help="The files' format; detected from each file when not given.",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="The help desk's address (e.g. https://acme.zendesk.com), to link texts back where the export "
            "does not say it.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--encoding", help="The file's encoding when it is not UTF-8, e.g. cp1252 for an Excel export."
        )

    def handle(self, *args, files, source, format, base_url, no_progress, encoding, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"No such file: {path}", returncode=EXIT_NOTHING_READ)
        show = not no_progress and sum(path.stat().st_size for path in files) >= PROGRESS_MIN_BYTES
        result = ImportResult()
        try:
            with tempfile.TemporaryDirectory(prefix="bulletin-import-") as unpacked:
                reading = ImportReading(
                    files_unpack(files, into=Path(unpacked)), format=format, base_url=base_url, encoding=encoding or ""
                )
                with tqdm(desc="Importing", unit=" rows", disable=not show, file=self.stderr._out) as bar:
                    texts_files_import(reading=reading, source=source, progress=bar.update, result=result)
        except ValidationError as error:
            message = "; ".join(error.messages)
            if result.changed_ids:
                message += (
                    f" ({result.created} created and {result.updated} updated before the error were kept; "
                    "their flag scan is queued.)"
                )
            raise CommandError(message, returncode=EXIT_NOTHING_READ) from None
        except LookupError:
            raise CommandError(f"Unknown encoding: {encoding}", returncode=EXIT_NOTHING_READ) from None
        for line in [*import_summary(reading, result), *rejected_lines(result.rejected)]:
            self.stdout.write(line)
        status = import_exit_status(result)
        if status:
            raise CommandError(
                f"{len(result.rejected)} of {result.records} records rejected (see above).", returncode=status
            )
