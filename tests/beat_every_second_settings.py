"""The test settings, with a beat that queues the weekly digest and the handover reminders every second.

tests/test_queues.py starts two beats with them, as a second beat started by mistake runs beside the first.
"""

from tests.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    name: {**CELERY_BEAT_SCHEDULE[name], "schedule": 1.0}  # noqa: F405
    for name in ("digest-weekly", "handover-reminders")
}
