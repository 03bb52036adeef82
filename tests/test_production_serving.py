"""Production as shipped: collectstatic, the web command of config/Procfile.production under the production
environment (config/systemd/bulletin.env.example, DEBUG off), requests as the TLS-ending proxy in front sends them.
Also the Procfile's processes as honcho reads them, and the systemd units as systemd reads them.
"""

import gzip
import json
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from django.conf import settings
from honcho.environ import parse, parse_procfile

from config import settings as config_settings
from tests.conftest import wait_for
from tests.receivers import free_port
from tests.servers import database_url
from tests.test_deploy_check import production_env

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "config" / "Procfile.production"
UNITS = ROOT / "config" / "systemd"
# What the proxy sends: the public host name, and that the visitor came over HTTPS.
PROXIED = {"Host": "bulletin.example.com", "X-Forwarded-Proto": "https"}
ONE_YEAR = 365 * 24 * 3600


class _Assets(HTMLParser):
    """The addresses a page makes the browser load: scripts, style sheets, icons."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") in {"stylesheet", "icon"} and not attrs["href"].startswith("data:"):
            self.urls.append(attrs["href"])


def _assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """gunicorn with the production configuration on the lane's (migrated) test database, until the module ends."""
    folder = tmp_path_factory.mktemp("production")
    env = production_env(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL or None,
        STATIC_ROOT=str(folder / "static"),
        IMPORT_UPLOAD_DIR=str(folder / "imports"),
        BIND=f"127.0.0.1:{free_port()}",
        WEB_CONCURRENCY="2",  # the machine has two cores, shared with the rest of the suite
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert collected.returncode == 0, collected.stderr
    log, errors = folder / "access.log", folder / "errors.log"
    web = shlex.split(parse_procfile(PROCFILE.read_text()).processes["web"])
    with log.open("w") as stdout, errors.open("w") as stderr:
        process = subprocess.Popen(web, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    url = f"http://{env['BIND']}"
    try:
        wait_for(lambda: _answers(url) or process.poll() is not None, timeout=30)
        assert process.poll() is None, errors.read_text()
        yield {"url": url, "log": log}
    finally:
        process.terminate()
        process.wait(timeout=40)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/accounts/login/", headers=PROXIED, timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def _get(server, path, **headers):
    return requests.get(f"{server['url']}{path}", headers={**PROXIED, **headers}, timeout=10, allow_redirects=False)


def _stylesheet(server) -> str:
    page = _get(server, "/accounts/login/")
    assert page.status_code == 200
    return next(url for url in _assets(page.text) if url.startswith("/static/bulletin/bulletin."))


def test_pages_link_the_stylesheet_under_its_hashed_name_and_browsers_may_keep_it_for_good(server):
    stylesheet = _stylesheet(server)
    response = _get(server, stylesheet)

    assert re.fullmatch(r"/static/bulletin/bulletin\.[0-9a-f]{12}\.css", stylesheet)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert ".site-header" in response.text
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache).group(1)) >= ONE_YEAR


def test_a_client_that_takes_gzip_gets_the_stylesheet_gzipped(server):
    stylesheet = _stylesheet(server)
    plain = _get(server, stylesheet, **{"Accept-Encoding": "identity"})
    # Read undecoded, as it came over the wire.
    zipped = requests.get(
        f"{server['url']}{stylesheet}", headers={**PROXIED, "Accept-Encoding": "gzip"}, timeout=10, stream=True
    )
    body = zipped.raw.read(decode_content=False)

    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert len(body) < len(plain.content) and gzip.decompress(body) == plain.content


def test_the_api_docs_load_every_script_and_style_sheet_and_the_schema(server):
    page = _get(server, "/api/docs/")
    assets = _assets(page.text)
    loaded = {url: _get(server, url) for url in assets}
    start_up = loaded["/api/docs/?script="].text
    schema_url = json.loads('"%s"' % re.search(r'url: "([^"]+)"', start_up).group(1))
    schema = _get(server, schema_url, Accept="application/vnd.oai.openapi+json")

    assert page.status_code == 200
    assert any("swagger-ui-bundle" in url for url in assets) and any(url.endswith(".css") for url in assets)
    assert {url: response.status_code for url, response in loaded.items()} == dict.fromkeys(assets, 200)
    assert all(response.content for response in loaded.values())
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Bulletin API"


def test_redoc_loads_its_bundle_and_the_bundles_source_map(server):
    page = _get(server, "/api/redoc/")
    loaded = {url: _get(server, url) for url in _assets(page.text)}
    bundle = loaded["/api/redoc/redoc.standalone.js"].text
    source_map = re.search(r"^//# sourceMappingURL=(\S+)\s*\Z", bundle, re.M).group(1)  # the bundle's own, last

    assert page.status_code == 200
    assert {url: response.status_code for url, response in loaded.items()} == dict.fromkeys(loaded, 200)
    assert _get(server, source_map).status_code == 200


def test_a_request_that_did_not_come_over_https_is_sent_there(server):
    response = _get(server, "/accounts/login/", **{"X-Forwarded-Proto": "http"})
    secure = _get(server, "/accounts/login/")

    assert response.status_code == 301
    assert response.headers["Location"] == "https://bulletin.example.com/accounts/login/"
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]
    assert all("Secure" in cookie for cookie in secure.raw.headers.getlist("Set-Cookie"))


def test_a_monitor_may_ask_for_health_over_plain_http(server):
    response = _get(server, "/health/", **{"X-Forwarded-Proto": "http"})
    assert response.status_code in {200, 503} and "checks" in response.json()  # answered, whatever the verdict


def test_each_request_is_one_line_in_the_access_log_with_its_request_id_and_without_its_query_string(server):
    response = _get(server, "/no-such-page/?token=reader-secret")

    def logged():
        return [line for line in server["log"].read_text().splitlines() if "/no-such-page/" in line]

    lines = wait_for(logged, timeout=5)
    assert len(lines) == 1 and '"GET /no-such-page/ HTTP/1.1" 404 ' in lines[0]
    assert f"request_id={response.headers['X-Request-ID']} " in lines[0]
    assert "reader-secret" not in server["log"].read_text()


def test_the_production_procfile_runs_a_worker_per_queue_and_exactly_one_beat():
    processes = parse_procfile(PROCFILE.read_text()).processes
    queues = {name: re.search(r"--queues=(\S+)", command).group(1) for name, command in processes.items()
              if " worker " in command}
    beats = [name for name, command in processes.items() if " beat" in command]

    assert processes["web"] == "gunicorn -c config/gunicorn.py config.wsgi"
    assert queues == {"worker-deliveries": "deliveries", "worker-scans": "scans", "worker-default": "default"}
    # Every queue a task can be routed to has its worker (a task on a queue nobody consumes would wait forever). The
    # service's own names, as config/settings.py has them (the tests' settings give each test run queues of its own).
    assert {queue.name for queue in config_settings.CELERY_TASK_QUEUES} == set(queues.values())
    assert {route["queue"] for route in config_settings.CELERY_TASK_ROUTES.values()} <= set(queues.values())
    assert beats == ["beat"]


def test_the_systemd_workers_run_as_many_processes_per_queue_as_the_procfile():
    unit = (UNITS / "bulletin-worker@.service").read_text()
    unit_default = re.search(r"^Environment=WORKER_CONCURRENCY=(\d+)$", unit, re.M).group(1)
    procfile, systemd = {}, {}
    for command in parse_procfile(PROCFILE.read_text()).processes.values():
        if " worker " in command:
            queue = re.search(r"--queues=(\S+)", command).group(1)
            procfile[queue] = re.search(r"--concurrency=(\d+)", command).group(1)
            shipped = UNITS / f"worker-{queue}.env"
            systemd[queue] = parse(shipped.read_text())["WORKER_CONCURRENCY"] if shipped.exists() else unit_default

    assert systemd == procfile == {"deliveries": "4", "scans": "1", "default": "2"}


def test_systemd_reads_the_units_without_a_complaint(tmp_path):
    """systemd's own parser; the units' /srv/bulletin is this checkout, as on a server that put it there."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install -y systemd"
    for unit in UNITS.glob("*.service"):
        text = unit.read_text().replace("/srv/bulletin", str(ROOT))
        (tmp_path / unit.name.replace("@.", "@deliveries.")).write_text(text)
    units = sorted(str(path) for path in tmp_path.glob("*.service"))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )

    assert len(units) == 3
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", result.stderr
