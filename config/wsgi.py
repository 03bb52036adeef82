import os

from django.core.wsgi import get_wsgi_application

from config.configuration_errors import GUNICORN_APP_LOAD_ERROR, settings_load_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A configuration error is one line naming the variable; gunicorn stops on this exit status instead of retrying.
settings_load_or_exit(status=GUNICORN_APP_LOAD_ERROR)
application = get_wsgi_application()
