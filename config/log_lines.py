"""What a log line holds: one line per event, with its time, level, logger and request id (settings.LOGGING)."""

import logging

from django_guid import get_guid

# Outside a request or task (start-up, beat, the worker's own lines) there is no id.
NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Gives each record the id django-guid keeps for the request being answered, or the task being run (its
    Celery integration hands a request's id on to the tasks it queues)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_guid() or NO_REQUEST
        return True


class OneLineFormatter(logging.Formatter):
    """Writes a record as exactly one line, a traceback included, its line breaks as a literal \\n.

    honcho, journald and log collectors take each line for an event and interleave the lines of processes
    writing at once: a 30-line traceback would be 30 events, mixed with the worker's.
    """

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\r", "").replace("\n", "\\n")
