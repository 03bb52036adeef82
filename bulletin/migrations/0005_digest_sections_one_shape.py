"""Stored digests in the shape bulletin/digest/sections.py reads: every section says `more`.

Before, a change section had no `more` and the texts section ended with an entry
{"more": N} pointing to the queue; entries compiled before they kept their parts
had only a worded line. The content hash is recomputed from the new shape and the
stored Markdown (which does not change), so the next compile of a week finds it
unchanged and sends nothing again.
"""

import hashlib
import json

from django.conf import settings
from django.db import migrations
from django.urls import reverse


def _text_section(section: dict) -> dict:
    queue = settings.SITE_URL + reverse("flags:list") + "?status=open"
    entries, more = [], 0
    for entry in section.get("entries", []):
        if "more" in entry:
            more, queue = entry["more"], entry.get("url") or queue
        elif "old_text" in entry:
            entries.append(entry)
        else:  # only the line, as it was written: it stands where the change's title goes
            entries.append(
                {"title": entry["title"], "url": entry["url"], "overdue": False, "team": "", "old_text": "",
                 "new_text": "", "change": entry.get("detail", ""), "detail": entry.get("detail", "")}
            )
    return {**section, "entries": entries, "more": more, "more_url": queue, "count": len(entries) + more}


def forwards(apps, schema_editor):
    Digest = apps.get_model("bulletin", "Digest")
    for digest in Digest.objects.all().iterator():
        sections = [
            {**section, "more": section.get("more", 0)} if section["kind"] == "changes" else _text_section(section)
            for section in digest.sections
        ]
        if sections == digest.sections:
            continue
        body = json.dumps({"sections": sections, "markdown": digest.markdown}, sort_keys=True, default=str)
        digest.sections = sections
        digest.content_hash = hashlib.sha256(body.encode()).hexdigest()
        digest.save(update_fields=["sections", "content_hash"])


class Migration(migrations.Migration):
    dependencies = [("bulletin", "0004_flag_dismissed_by_bulletin")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
