"""A configuration error stops a process with one line naming the variable, and no traceback.

config/settings.py raises ImproperlyConfigured for a missing or malformed environment variable, its message naming
the variable. Left alone, that message was the last of 30 to 90 lines of traceback (manage.py, celery), once per
gunicorn worker. manage.py, config/celery.py, config/wsgi.py and config/gunicorn.py read the settings through this
module first.
"""

import os
import runpy
import sys
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# gunicorn's exit status for "App failed to load": its master stops, instead of starting the worker again and again.
GUNICORN_APP_LOAD_ERROR = 4


def _exit(error: ImproperlyConfigured, status: int) -> NoReturn:
    # Not translated: the settings, which choose the language, are what failed to load.
    print("Configuration error: " + " ".join(str(error).split()), file=sys.stderr, flush=True)
    raise SystemExit(status)


def settings_load_or_exit(*, status: int = 1) -> None:
    """Load Django's settings now; on ImproperlyConfigured print it as one line on stderr and exit with `status`."""
    try:
        settings.INSTALLED_APPS  # noqa: B018 (reading a setting is what loads them)
    except ImproperlyConfigured as error:
        _exit(error, status)


def settings_check_or_exit() -> None:
    """Run the settings module once, in a namespace of its own, and exit as settings_load_or_exit does when it fails.

    For gunicorn's master, before it starts any worker: the master keeps no copy of the settings, so the workers it
    starts after a reload (SIGHUP, a new release) still import them afresh.
    """
    try:
        runpy.run_module(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"), run_name="settings_check")
    except ImproperlyConfigured as error:
        _exit(error, 1)
