import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='subscription',
            name='scope',
            field=models.CharField(blank=True, db_index=True, help_text="Empty: the owner's own. Otherwise whose it is, e.g. team:einkauf; its managers manage it.", max_length=100, verbose_name='belongs to'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='deactivated_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='switched off at'),
        ),
        migrations.AddField(
            model_name='subscription',
            name='deactivated_reason',
            field=models.CharField(blank=True, choices=[('gone', 'the receiver answered 410 Gone'), ('deleted', 'deleted by its owner')], max_length=20, verbose_name='switched off because'),
        ),
    ]
