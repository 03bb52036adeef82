import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from bulletin.demo import demo_seed

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


@pytest.mark.django_db
def test_the_readmes_api_and_digest_examples_return_data_on_the_demo(client):
    """The examples are what a newcomer types first: each must answer with something on the demo, any day."""
    demo_seed()
    user = get_user_model().objects.get(username="anna")
    client.force_login(user)
    readme = (ROOT / "README.md").read_text()
    urls = re.findall(r'curl -H "Authorization: Token <key>" "http://127.0.0.1:8000(/api/v1/[^"]+)"', readme)
    assert len(urls) >= 3
    for url in urls:
        expanded = subprocess.run(["bash", "-c", f'echo "{url}"'], capture_output=True, text=True, check=True)
        body = client.get(expanded.stdout.strip()).json()
        assert body.get("results") or any(s["values"] for kpi in body.get("kpis", []) for s in kpi["series"]), url
    week = re.search(r"`/digest/\$\((date [^)]+)\)/`", readme.replace("\n", " "))
    last_week = subprocess.run(["bash", "-c", week.group(1)], capture_output=True, text=True, check=True)
    assert client.get(f"/digest/{last_week.stdout.strip()}/").status_code == 200
