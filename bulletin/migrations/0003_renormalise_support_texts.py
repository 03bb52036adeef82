"""Re-normalise the stored bodies the HTML test now reads differently.

A comment alone now makes a body HTML, and "<info@example.com>" no longer does.
Uses the current normaliser: this migration is about bringing stored forms up to it.
The next scan (at the latest the nightly re-scan) brings the flags in line.
"""

from django.db import migrations
from django.db.models import Q


def renormalise(apps, schema_editor):
    from bulletin.texts.normalising import normalise

    SupportText = apps.get_model("bulletin", "SupportText")
    changed = []
    for text in (
        SupportText.objects.filter(Q(body__contains="<") | Q(body__contains="&"))
        .only("body", "body_normalised")
        .iterator(chunk_size=2000)
    ):
        fresh = normalise(text.body)
        if fresh != text.body_normalised:
            text.body_normalised = fresh
            changed.append(text)
        if len(changed) >= 1000:
            SupportText.objects.bulk_update(changed, ["body_normalised"])
            changed = []
    SupportText.objects.bulk_update(changed, ["body_normalised"])


class Migration(migrations.Migration):
    dependencies = [("bulletin", "0002_support_texts")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
