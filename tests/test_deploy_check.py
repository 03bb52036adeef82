"""Django's own deployment check passes with the production environment we ship, and notices when it is weakened.

The environment is exactly config/systemd/bulletin.env.example (read by honcho's parser, as `honcho -e` reads it),
with a fresh SECRET_KEY in its empty slot, and nothing of the test run's own environment.
"""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from honcho.environ import parse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "systemd" / "bulletin.env.example"


def production_env(**overrides) -> dict:
    """The shipped example with a SECRET_KEY, as a shell-less process environment (only PATH beside it)."""
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    env.update(parse(EXAMPLE.read_text()))
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_shipped_example_leaves_the_secret_key_to_fill_in():
    assert "SECRET_KEY" not in parse(EXAMPLE.read_text())  # `SECRET_KEY=` with nothing after it


def test_check_deploy_finds_nothing_to_warn_about_in_the_production_environment():
    result = _check_deploy(production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_and_debug_off_the_service_does_not_start():
    result = _check_deploy(production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SESSION_COOKIE_SECURE": "false"}, "security.W012"),
        ({"CSRF_COOKIE_SECURE": "false"}, "security.W016"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_HSTS_PRELOAD": "false"}, "security.W021"),
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
    ],
)
def test_check_deploy_fails_when_a_protection_is_turned_off(overrides, warning):
    """Each switch reaches the setting Django checks (a misspelt variable would leave it on and pass)."""
    result = _check_deploy(production_env(**overrides))
    assert result.returncode != 0
    assert warning in result.stderr
