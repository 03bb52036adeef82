"""Beat's heartbeat, which /health/ reads."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """Beat's last sign of life, in one row (heartbeat.py).

    In the database, not the cache: without Redis every process has a cache of its own, so the worker's write
    would never reach the web process that answers /health/. A row read by its primary key costs /health/ one
    indexed query, reads the same with or without Redis, and survives a Redis restart (which would otherwise
    look like a dead beat for a minute).
    """

    ROW = 1

    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.beat_at:%Y-%m-%d %H:%M:%S %Z}"
