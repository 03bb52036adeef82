import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_readme_opens_with_the_run_and_the_test_command():
    run, test = _readme_commands()[:2]
    assert "seed_demo" in run and "honcho" in run
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    test = _readme_commands()[1]
    assert test in (ROOT / ".ci" / "run").read_text().splitlines()
