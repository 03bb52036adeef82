"""The service and its Redis as real processes, for tests that cause faults (a hung Redis, a dead worker)."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import requests
from django.db import connection

from tests.conftest import wait_for
from tests.receivers import free_port

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database, for processes the test starts."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class RedisServer:
    """A redis-server of the test's own, on a free port; `freeze` makes it accept connections and never answer."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        """Start (again, on the same port)."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10)

    def _answers(self) -> bool:
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        result = subprocess.run(ping, capture_output=True, text=True, check=False, timeout=5)
        return result.stdout.strip() == "PONG"

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.thaw()
            self.process.terminate()
            self.process.wait(timeout=10)


def service_env(**overrides) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "tests-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        **overrides,
    }


@contextmanager
def gunicorn(**env):
    """The service under gunicorn (one sync worker, as configured otherwise) until the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "60"],
        cwd=ROOT, env=service_env(**env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), timeout=30)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url) -> bool:
    try:
        return requests.get(f"{url}/accounts/login/", timeout=2).status_code == 200
    # Not listening yet, or (on a loaded machine) still importing the app when the first request came: ask again.
    except (requests.ConnectionError, requests.Timeout):
        return False


def manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=service_env(**env), capture_output=True, text=True,
        timeout=120, check=False,
    )
