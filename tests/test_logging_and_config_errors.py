"""Logs: one line per event, none twice, the request id on web lines; a configuration error is one line and a
non-zero exit, from manage.py, celery and gunicorn alike. Each checked on a real process."""

import os
import re
import signal
import subprocess
import sys
import threading
import uuid

import pytest
import requests
from django.conf import settings
from django_guid import clear_guid, set_guid

from config.celery import app
from tests.conftest import wait_for
from tests.receivers import free_port
from tests.servers import ROOT, database_url

# settings.LOGGING's format: time, level, logger, [request id], message.
LINE = (
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    r"(?P<level>[A-Z]+) (?P<logger>\S+) \[(?P<request_id>[^\]]+)\] (?P<message>.*)"
)
UUID_HEX = re.compile(r"[0-9a-f]{32}")


def _environment(**overrides) -> dict:
    """The environment of a newcomer's shell (nothing set), plus `overrides`."""
    unset = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "LANGUAGE_CODE", "ALLOWED_HOSTS", "LOG_LEVEL"}
    env = {name: value for name, value in os.environ.items() if name not in unset}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}


# --- A configuration error ------------------------------------------------------------------------------------

ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "celery worker": [sys.executable, "-m", "celery", "-A", "config", "worker"],
    "celery beat": [sys.executable, "-m", "celery", "-A", "config", "beat"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
    # What any other WSGI server does: import the module named in WSGI_APPLICATION.
    "config.wsgi": [sys.executable, "-c", "import config.wsgi"],
}
MISTAKES = {"DEBUG": "maybe", "DATABASE_URL": "nosuchdb://db.example.com/bulletin", "LOG_LEVEL": "loud"}


@pytest.mark.parametrize("variable", MISTAKES)
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_configuration_error_is_one_line_naming_the_variable_and_a_failed_exit(entry_point, variable):
    env = _environment(**{variable: MISTAKES[variable]}, PORT=str(free_port()))
    result = subprocess.run(
        ENTRY_POINTS[entry_point], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("Configuration error: ") and variable in line
    assert result.stdout == ""


def test_gunicorn_stops_on_the_exit_status_of_an_application_that_failed_to_load():
    # Without it gunicorn's master would start the failing worker again and again (config/configuration_errors.py).
    result = subprocess.run(
        ENTRY_POINTS["config.wsgi"], cwd=ROOT, env=_environment(DEBUG="maybe"), capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 4


# --- Web log lines --------------------------------------------------------------------------------------------


class Output:
    """Everything a process writes on stdout and stderr, line by line, read as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self._thread = threading.Thread(target=lambda: self.lines.extend(process.stdout), daemon=True)
        self._thread.start()

    def stop(self) -> list[str]:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self._thread.join(timeout=10)
        return [line.rstrip("\n") for line in self.lines]


def _start(command: list[str], env: dict) -> Output:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    return Output(process)


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


def _lines_with(lines: list[str], text: str) -> list[re.Match]:
    """The log lines that contain `text`, parsed; fails on a line that contains it in another format."""
    found = [line for line in lines if text in line]
    parsed = [re.fullmatch(LINE, line) for line in found]
    assert all(parsed), found
    return parsed


@pytest.fixture(scope="module")
def demo_web(tmp_path_factory):
    """The demo's web process (`runserver` with DEBUG on, as in config/Procfile) on a port of its own, and its
    output once stopped."""
    port = free_port()
    database = tmp_path_factory.mktemp("web") / "db.sqlite3"
    env = _environment(DEBUG="true", DATABASE_URL=f"sqlite:///{database}", REDIS_URL="")
    server = _start([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), timeout=60)
        responses = {
            # nginx's $request_id: 32 hex digits.
            "from the proxy": requests.get(f"{url}/no-such-page-1/", headers={"X-Request-ID": uuid.uuid4().hex}),
            "none": requests.get(f"{url}/no-such-page-2/"),
            "not a uuid": requests.get(f"{url}/no-such-page-3/", headers={"X-Request-ID": "1; DROP TABLE logs"}),
        }
    finally:
        lines = server.stop()
    return responses, lines


def test_a_web_log_line_is_written_once_with_time_level_logger_and_request_id(demo_web):
    responses, lines = demo_web
    response = responses["from the proxy"]
    assert response.status_code == 404
    (line,) = _lines_with(lines, "Not Found: /no-such-page-1/")
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["request_id"] == response.headers["X-Request-ID"] == response.request.headers["X-Request-ID"]
    # runserver's own line for the request, in the same format and with the same id.
    (served,) = _lines_with(lines, '"GET /no-such-page-1/ HTTP/1.1" 404')
    assert served["logger"] == "django.server" and served["request_id"] == line["request_id"]


def test_a_request_without_an_id_or_with_one_that_is_no_uuid_gets_a_new_one(demo_web):
    responses, lines = demo_web
    for kind, number in (("none", 2), ("not a uuid", 3)):
        given = responses[kind].headers["X-Request-ID"]
        assert UUID_HEX.fullmatch(given), kind
        (line,) = _lines_with(lines, f"Not Found: /no-such-page-{number}/")
        assert line["request_id"] == given
    assert not any("DROP TABLE" in line for line in lines)


def test_no_log_line_of_the_web_process_is_written_twice(demo_web):
    _responses, lines = demo_web
    logged = [line for line in lines if re.fullmatch(LINE, line)]
    assert len(logged) >= 6
    assert len(logged) == len(set(logged))


# --- Worker log lines -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_logs_each_event_once_with_the_id_of_the_request_that_queued_the_task():
    """A prefork worker as production runs it (config/Procfile.production), on this test's queues."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_QUEUE_PREFIX": settings.TEST_QUEUE_PREFIX,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL or "",
    }
    app.control.purge()
    worker = _start(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
         "--loglevel=INFO", "--without-mingle", "--without-gossip"],
        env,
    )
    request_id = uuid.uuid4().hex
    try:
        wait_for(lambda: any(" ready." in line for line in worker.lines), timeout=60)
        set_guid(request_id)  # as the middleware does for a request that queues a re-scan
        try:
            app.send_task("bulletin.tasks.flags_rescan_all_task")
        finally:
            clear_guid()
        wait_for(lambda: any("flags_rescan_all: ScanResult" in line for line in worker.lines), timeout=60)
    finally:
        lines = worker.stop()
        app.control.purge()
    (scan,) = _lines_with(lines, "flags_rescan_all: ScanResult")
    assert scan["logger"] == "bulletin.texts.flags" and scan["request_id"] == request_id
    (ready,) = _lines_with(lines, " ready.")
    assert ready["logger"] == "celery.apps.worker" and ready["request_id"] == "-"
    logged = [line for line in lines if re.fullmatch(LINE, line)]
    assert len(logged) == len(set(logged))
