"""Ctrl-C on the README's run command stops web, worker and beat cleanly, within honcho's grace period."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_for
from tests.receivers import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_ADDRESS = "127.0.0.1:8000"
# What a fresh clone has: the code, without the virtualenv, the demo's database and broker, or the tests.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".venv", ".git", ".broker", "var", "staticfiles", "media", "*.sqlite3", "celerybeat-schedule*", "__pycache__",
    ".*_cache", ".hypothesis", "tests",
)


@pytest.fixture
def fresh_clone(tmp_path) -> Path:
    """The project in a folder of its own, so that its demo has its own database, broker folder and beat schedule
    (a demo running in the checkout is left alone); its web process listens on a free port instead of 8000."""
    clone = tmp_path / "bulletin"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    procfile = clone / "config" / "Procfile"
    text = procfile.read_text(encoding="utf-8")
    assert DEMO_ADDRESS in text
    procfile.write_text(text.replace(DEMO_ADDRESS, f"127.0.0.1:{free_port()}"), encoding="utf-8")
    return clone


def _newcomers_shell() -> dict:
    """An activated virtualenv and nothing else set, as in the README."""
    return {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8"}


def _manage(clone: Path, *args: str) -> None:
    result = subprocess.run(
        ["python", "manage.py", *args], cwd=clone, env=_newcomers_shell(), capture_output=True, text=True,
        timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _group_alive(pid: int) -> bool:
    """Whether a process of the group honcho started as `pid` is left (one that exited counts until it is reaped)."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _all_gone(pids: list[int]) -> bool:
    try:
        wait_for(lambda: not any(_group_alive(pid) for pid in pids), timeout=10)
    except AssertionError:
        return False
    return True


def test_ctrl_c_stops_web_worker_and_beat_cleanly_within_honchos_grace_period(fresh_clone):
    _manage(fresh_clone, "migrate", "--no-input")
    _manage(fresh_clone, "seed_demo")  # leaves scans and e-mails queued: the worker has work when it starts
    port = re.search(r"runserver 127\.0\.0\.1:(\d+)", (fresh_clone / "config" / "Procfile").read_text())[1]
    # In a session of its own, as in a terminal: Ctrl-C sends SIGINT to honcho's process group.
    honcho = subprocess.Popen(
        [BIN / "honcho", "-f", "config/Procfile", "-d", ".", "start"], cwd=fresh_clone, env=_newcomers_shell(),
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(honcho.stdout), daemon=True)
    reader.start()
    pids: list[int] = []
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/accounts/login/"), timeout=90)
        wait_for(lambda: any(" ready." in line for line in lines), timeout=60)  # the worker
        wait_for(lambda: any("beat: Starting..." in line for line in lines), timeout=60)
        pids = [int(pid) for line in lines for pid in re.findall(r"\| \w+\.1 started \(pid=(\d+)\)", line)]
        os.killpg(honcho.pid, signal.SIGINT)
        honcho.wait(timeout=30)
        reader.join(timeout=10)
        gone = _all_gone(pids)  # nothing left behind, pool processes included
    finally:
        for pid in [honcho.pid, *pids]:
            if _group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
    output = "".join(lines)
    assert len(pids) == 3, output
    assert honcho.returncode == 130, output  # honcho's own answer to Ctrl-C: it was not killed itself
    # honcho sends SIGKILL when a process outlives its grace period (5 s); the pool reports killed processes.
    for trouble in ("SIGKILL", "Killed", "Traceback", "ERROR", "CRITICAL"):
        assert trouble not in output, output
    for process in ("web", "worker", "beat"):
        assert re.search(rf"\| {process}\.1 stopped \(rc=", output), output
    assert gone
