"""Importing files, as `import_support_texts` and the import page run it: check every file, import, queue the scan."""

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bulletin.texts.flags import flags_scan_texts_enqueue
from bulletin.texts.importing import ImportResult, position_label, support_text_source_clean, support_texts_import
from bulletin.texts.reading import ImportReading, format_label

# The command's exit status, so a scheduled import can tell a partial or failed run from a clean one.
EXIT_ALL_READ, EXIT_SOME_REJECTED, EXIT_NOTHING_READ = 0, 1, 2


def texts_files_import(
    *,
    reading: ImportReading,
    source: str,
    result: ImportResult,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check the files whole (raises ValidationError, nothing written), then import their rows.

    What was committed is queued for its flag scan even when reading stops halfway;
    `result` holds it then.
    """
    source = support_text_source_clean(source)
    reading.check()
    try:
        support_texts_import(rows=reading.rows(), source=source, progress=progress, result=result)
    finally:
        flags_scan_texts_enqueue(text_ids=result.changed_ids)
    return result


def import_exit_status(result: ImportResult) -> int:
    if not result.rejected:
        return EXIT_ALL_READ
    return EXIT_NOTHING_READ if len(result.rejected) == result.records else EXIT_SOME_REJECTED


def import_summary(reading: ImportReading, result: ImportResult) -> list[str]:
    """The lines a person reads after an import, before the rejected rows (`rejected_lines`): the command
    prints them, the import page shows the same above its table of rejected rows."""
    lines = [
        (
            _("Read %(file)s as %(format)s (as given).")
            if reading.format
            else _("Read %(file)s as %(format)s (detected).")
        )
        % {"file": file.name, "format": format_label(file.format)}
        for file in reading.files
    ]
    lines.append(
        _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected.")
        % {**result.as_dict(), "rejected": len(result.rejected)}
    )
    records = ngettext("%(records)s record", "%(records)s records", result.records) % {"records": result.records}
    if reading.lines and all(file.format in ("csv", "jsonl") for file in reading.files):
        source = ngettext("%(count)s line", "%(count)s lines", reading.lines) % {"count": reading.lines}
    else:
        count = len(reading.files)
        source = ngettext("%(count)s file", "%(count)s files", count) % {"count": count}
    lines.append(_("%(records)s read from %(source)s.") % {"records": records, "source": source})
    if reading.unlinked:
        lines.append(
            ngettext(
                "%(count)s text has no link back to the help desk: give the help desk's address with the import.",
                "%(count)s texts have no link back to the help desk: give the help desk's address with the import.",
                reading.unlinked,
            )
            % {"count": reading.unlinked}
        )
    return lines


def rejected_lines(rejected) -> list[str]:
    return [
        f"  {position_label(position)}: " + "; ".join(f"{name}: {reason}" for name, reason in errors.items())
        for position, errors in rejected
    ]
