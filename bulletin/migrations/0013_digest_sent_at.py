from django.db import migrations, models
from django.db.models import Min


def sent_when_delivered(apps, schema_editor):
    """A digest compiled before this field counts as sent if any of its revisions was recorded for delivery."""
    Digest = apps.get_model("bulletin", "Digest")
    Delivery = apps.get_model("notifications", "Delivery")
    for digest in Digest.objects.filter(sent_at__isnull=True).only("pk", "week"):
        first = Delivery.objects.filter(key__startswith=f"digest:{digest.week}:").aggregate(at=Min("created_at"))["at"]
        if first is not None:
            Digest.objects.filter(pk=digest.pk).update(sent_at=first)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0012_flag_fewer_indexes"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.RunPython(sent_when_delivered, migrations.RunPython.noop),
    ]
