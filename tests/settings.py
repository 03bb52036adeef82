"""Test settings: the real PostgreSQL and Redis of the machine, unless told otherwise.

DATABASE_URL and REDIS_URL still win when set, so parallel runs can use their own
database and Redis number.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("LANGUAGE_CODE", "en")
# The tests speak plain HTTP (test client, live server, the gunicorn they start), and the processes they start
# (which inherit this environment) serve pages without running collectstatic first. tests/test_production_serving.py
# and tests/test_deploy_check.py run the production environment as it is.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")

from kombu import Exchange, Queue

from config.settings import *  # noqa: F403

# No collectstatic, so WhiteNoise serves the apps' own folders; an empty STATIC_ROOT keeps it (here and in the
# processes the tests start) from warning on every start that there is none.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# The tests' HTTP receivers listen on 127.0.0.1; tests of the guard turn this off again.
NOTIFICATIONS_ALLOW_PRIVATE_HOSTS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not Django's shared in-memory database: its table locks fail threads (live server,
    # worker, racing compilations) at once instead of letting them wait as the service's file does.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-{_worker}.sqlite3")}  # noqa: F405

# Live-server and worker threads must not keep connections open past a request,
# or the test database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Test processes running at once (pytest-xdist, or two runs on one machine) share one Redis: each
# gets its own queues, or one process's worker would run another's tasks against a database it cannot see.
# A worker or beat a test starts as a process of its own is given the test's prefix (TEST_QUEUE_PREFIX).
TEST_QUEUE_PREFIX = os.environ.get("TEST_QUEUE_PREFIX") or (
    f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}-"
)
CELERY_TASK_DEFAULT_QUEUE = TEST_QUEUE_PREFIX + CELERY_TASK_DEFAULT_QUEUE  # noqa: F405
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in (TEST_QUEUE_PREFIX + queue.name for queue in CELERY_TASK_QUEUES)  # noqa: F405
]
CELERY_TASK_ROUTES = {
    task: {"queue": TEST_QUEUE_PREFIX + route["queue"]}
    for task, route in CELERY_TASK_ROUTES.items()  # noqa: F405
}

# The same for the cache: with Redis, one test process deleting its keys (the health check's remembered worker
# answer, the throttles' counters) must not delete another's. A server a test starts inherits the worker's name.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
