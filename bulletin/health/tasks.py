"""Celery entry point of beat's heartbeat (settings: the health-heartbeat beat entry, every minute)."""

from celery import shared_task

from bulletin.health.heartbeat import heartbeat_record


# Stable name, as every task's (README, "Architecture"); routed to the default queue, whose workers it vouches for.
@shared_task(name="bulletin.tasks.health_heartbeat_task", ignore_result=True)
def health_heartbeat_task() -> None:
    heartbeat_record()
