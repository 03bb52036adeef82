"""Benchmark: GET /api/v1/changes/?active_on=D&page_size=50 against a bare .values() floor view.

Seeds 20,000 changes into their own PostgreSQL database, starts gunicorn with
2 workers on the real settings (DEBUG off), and drives each URL for 30 s with
wrk (or, where wrk is missing, a Python thread pool). Prints requests per
second and p50/p99 latency of both and the API/floor ratio (target ≥ 0.5).

    python tests/bench/bench_api.py            # from the project folder
    BENCH_SECONDS=10 BENCH_CONNECTIONS=4 python tests/bench/bench_api.py

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bulletin_bench,
created if missing), REDIS_URL (default redis://127.0.0.1:6379/2; the throttle
counts in it, at a rate too high to ever trip), BENCH_SECONDS (30),
BENCH_CONNECTIONS (4), BENCH_PORT (8765).
"""

import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
# The SECONDS per URL are split into ROUNDS that alternate floor and API, so a
# burst of other load on the machine hits both alike.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CHANGES = 20_000

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2"),
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_RATE": "1000000000/hour",
        "LOG_LEVEL": "WARNING",
    }
)


def database_create() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        # A fresh database each run: one left by an older schema would fail the migrations.
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(today: datetime.date) -> str:
    """20,000 changes (idempotent) and a consumer's token; returns the token key."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from changes.models import Category, Change, Channel, FactChange, Team
    from changes.rendering import render_markdown

    call_command("migrate", verbosity=0)
    User = get_user_model()
    consumer, _ = User.objects.get_or_create(username="bench-consumer")
    token, _ = Token.objects.get_or_create(user=consumer)
    if Change.objects.count() == CHANGES:
        return token.key
    FactChange.objects.all().delete()
    Change.history.all().delete()
    Change.objects.all().delete()
    author, _ = User.objects.get_or_create(username="bench-author")
    teams = [Team.objects.get_or_create(slug=f"team-{n}", defaults={"name": f"Team {n}"})[0] for n in range(8)]
    rng = random.Random(42)
    impact = "Die Lieferzeit steigt auf **10–14 Werktage**; bitte [Hinweis](https://example.com) beachten."
    guidance = "Kundinnen auf die neue Lieferzeit hinweisen und *Gutschein* anbieten."
    impact_html, guidance_html = render_markdown(impact), render_markdown(guidance)
    now = timezone.now()
    statuses = ["published"] * 8 + ["withdrawn", "draft"]
    changes = []
    for n in range(CHANGES):
        start = today + datetime.timedelta(days=rng.randint(-400, 200))
        end = None if rng.random() < 0.3 else start + datetime.timedelta(days=rng.randint(0, 120))
        status = rng.choice(statuses)
        changes.append(
            Change(
                title=f"Änderung {n}: neue Lieferzeit",
                team=rng.choice(teams),
                category=rng.choice(Category.values),
                customer_impact=impact,
                customer_impact_html=impact_html,
                support_guidance=guidance,
                support_guidance_html=guidance_html,
                effective_from=start,
                effective_until=end,
                channels=rng.sample(Channel.values, 2),
                tags=rng.sample(["b2b", "b2c", "winter", "dhl", "sofa"], 2),
                severity=rng.choice(["low", "medium", "high"]),
                status=status,
                published_at=None if status == "draft" else now - datetime.timedelta(days=rng.randint(0, 400)),
                created_by=author,
            )
        )
    Change.objects.bulk_create(changes, batch_size=2000)
    facts = [
        FactChange(
            change=change, old_text=f"Lieferung in {k + 1} Tagen", new_text=f"Lieferung in {k + 10} Tagen", position=k
        )
        for change in Change.objects.only("id")
        for k in range(rng.randint(0, 2))
    ]
    FactChange.objects.bulk_create(facts, batch_size=5000)
    # VACUUM as autovacuum would on a live table: without a visibility map the
    # count-and-latest aggregate cannot use its index-only scan (10 ms instead of 3 ms).
    call_command("shell", "-c", "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')")
    return token.key


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port}")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def load_wrk(url: str, headers: dict, seconds: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "requests": requests, "errors": int(errors.group(1)) if errors else 0}


def load_python(url: str, headers: dict, seconds: int) -> dict:
    """A closed-loop client: CONNECTIONS threads, each with one keep-alive connection."""
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}"
    latencies, errors, stop = [], [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / seconds,
        "p50": cuts[49],
        "p99": cuts[98],
        "requests": len(latencies),
        "errors": errors[0],
    }


def main() -> None:
    import django

    database_create()
    django.setup()
    from django.utils import timezone

    today = timezone.localdate()
    token = seed(today)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}", "config.wsgi:application"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(PORT)
        query = f"active_on={today.isoformat()}&page_size=50"
        api = f"http://127.0.0.1:{PORT}/api/v1/changes/?{query}"
        floor = f"http://127.0.0.1:{PORT}/bench/floor/?{query}"
        headers = {"Authorization": f"Token {token}"}

        connection = http.client.HTTPConnection("127.0.0.1", PORT)
        connection.request("GET", urlsplit(api).path + "?" + query, headers=headers)
        api_body = json.loads(connection.getresponse().read())
        connection.request("GET", urlsplit(floor).path + "?" + query)
        floor_body = json.loads(connection.getresponse().read())
        assert [row["id"] for row in api_body["results"]] == [row["id"] for row in floor_body["results"]]
        assert len(api_body["results"]) == 50, api_body

        load = load_wrk if shutil.which("wrk") else load_python
        tool = "wrk" if load is load_wrk else "python threads"
        seconds = max(1, SECONDS // ROUNDS)
        print(
            f"{CHANGES} changes, {api_body['count']} active on {today}; gunicorn 2 workers; {tool}, "
            f"{CONNECTIONS} connections; {ROUNDS} alternating rounds of {seconds} s per URL",
            flush=True,
        )
        rounds = {"floor": [], "api": []}
        for number in range(ROUNDS):
            for name, url, sent in (("floor", floor, {}), ("api", api, headers)):
                result = load(url, sent, seconds)
                rounds[name].append(result)
                print(
                    f"  round {number + 1} {name:6}{result['rps']:>9.1f} req/s  p50 {result['p50']:7.2f} ms"
                    f"  p99 {result['p99']:7.2f} ms  errors {result['errors']}",
                    flush=True,
                )
        print(f"{'':8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}   (p50/p99: median over rounds)")
        totals = {}
        for name, results in rounds.items():
            totals[name] = sum(result["requests"] for result in results) / (seconds * len(results))
            p50 = statistics.median(result["p50"] for result in results)
            p99 = statistics.median(result["p99"] for result in results)
            errors = sum(result["errors"] for result in results)
            print(f"{name:8}{totals[name]:>10.1f}{p50:>10.2f}{p99:>10.2f}{errors:>8}")
        print(f"API / floor: {totals['api'] / totals['floor']:.2f} (target >= 0.50)")
        print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
