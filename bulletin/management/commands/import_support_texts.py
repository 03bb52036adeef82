from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bulletin.texts.flags import flags_scan_texts_enqueue
from bulletin.texts.importing import ImportResult, file_lines, support_text_rows_read, support_texts_import

# Below this many bytes a progress bar is noise.
PROGRESS_MIN_BYTES = 1_000_000


class Command(BaseCommand):
    help = (
        "Import macros and FAQ entries from a CSV (comma or semicolon), JSON Lines or JSON array file (columns "
        "external_id, kind, title, body, url, language, tags; optional owner_team, active). Upserts by (source, "
        "external_id); safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="import", help="Where the texts come from, e.g. zendesk.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--encoding", help="The file's encoding when it is not UTF-8, e.g. cp1252 for an Excel export."
        )

    def handle(self, *args, file: Path, source: str, no_progress: bool, encoding: str | None, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        show = not no_progress and file.stat().st_size >= PROGRESS_MIN_BYTES
        result = ImportResult()
        try:
            lines = file_lines(file, encoding=encoding or "utf-8")
            with tqdm(desc="Importing", unit=" rows", disable=not show, file=self.stderr._out) as bar:
                rows = support_text_rows_read(file, encoding=encoding)
                support_texts_import(rows=rows, source=source, progress=bar.update, result=result)
        except ValidationError as error:
            message = "; ".join(error.messages)
            if result.changed_ids:
                message += (
                    f" ({result.created} created and {result.updated} updated before the error were kept; "
                    "their flag scan is queued.)"
                )
            raise CommandError(message) from None
        except LookupError:
            raise CommandError(f"Unknown encoding: {encoding}") from None
        finally:
            # What was committed is scanned, even when the import stopped halfway.
            flags_scan_texts_enqueue(text_ids=result.changed_ids)
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{len(result.rejected)} rejected."
        )
        self.stdout.write(f"{result.records} records read from {lines} lines.")
        for line, errors in result.rejected:
            reasons = "; ".join(f"{name}: {reason}" for name, reason in errors.items())
            self.stdout.write(f"  line {line}: {reasons}")
