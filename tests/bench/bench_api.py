"""Benchmark: GET /api/v1/changes/?active_on=D&page_size=50 against a bare .values() floor view.

Seeds 20,000 changes into their own PostgreSQL database, starts gunicorn with
2 workers on the real settings (DEBUG off, config/gunicorn.py where it exists,
requests marked HTTPS by the proxy as in production), and drives each URL for
30 s with wrk (or, where wrk is missing, a Python thread pool). Prints requests
per second and p50/p99 latency of both and the API/floor ratio (target ≥ 0.5).

    python tests/bench/bench_api.py            # from the project folder
    BENCH_SECONDS=10 BENCH_CONNECTIONS=4 python tests/bench/bench_api.py
    BENCH_WORKERS=2,4 python tests/bench/bench_api.py    # scale-out: adds the ratio 4 workers / 2 workers

With several BENCH_WORKERS, one gunicorn per count runs at once (on BENCH_PORT,
BENCH_PORT + 1, ...) and the rounds alternate over every count and URL, so the
ratio between counts comes from one run under one load. Each round also says
how many cores other work on the machine took meanwhile.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bulletin_bench,
created if missing), REDIS_URL (default redis://127.0.0.1:6379/2; the throttle
counts in it, at a rate too high to ever trip), BENCH_SECONDS (30 per URL and
worker count), BENCH_WORKERS (2), BENCH_CONNECTIONS (4, or twice the largest
worker count if that is more), BENCH_PORT (8765).
"""

import contextlib
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
import tempfile
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
WORKERS = [int(count) for count in os.environ.get("BENCH_WORKERS", "2").split(",")]
# A sync worker serves one request at a time and sits idle while its answer travels and the next request comes in:
# the client keeps twice as many requests in flight as the most workers measured, the same for every count.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", str(max(4, 2 * max(WORKERS)))))
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
        # Behind the proxy, as in production: it ends TLS and says so, and Django (DEBUG off) redirects plain HTTP.
        "USE_X_FORWARDED_PROTO": "true",
    }
)
BEHIND_THE_PROXY = {"X-Forwarded-Proto": "https"}
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"


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


def gunicorn_start(workers: int, port: int, log) -> subprocess.Popen:
    """The production configuration where it exists (flags given here win over it), else gunicorn's defaults."""
    config = ["-c", str(GUNICORN_CONFIG)] if GUNICORN_CONFIG.exists() else []
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *config, "-w", str(workers), "-b", f"127.0.0.1:{port}", "config.wsgi"],
        cwd=ROOT,
        env=os.environ.copy(),
        # The access log is written as in production and dropped; errors go to a file, not a pipe nobody reads
        # (a full pipe would stop the server).
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


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


class OtherWork:
    """CPU the rest of the machine used while a round ran, in cores: all busy time less this benchmark's own
    processes (itself, gunicorn, wrk, the PostgreSQL backends of its database). The load average cannot tell: the
    benchmark raises it too. Linux only (/proc).
    """

    TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __enter__(self):
        self.started, self.busy, self.processes = time.monotonic(), self._busy(), self._processes()
        return self

    def __exit__(self, *exc_info):
        seconds = time.monotonic() - self.started
        processes = self._processes()
        ours = self._tree(processes, os.getpid()) | self._backends(processes)
        accounted = sum(processes[pid][2] - self.processes.get(pid, (0, "", 0.0))[2] for pid in ours)
        self.cores = max(0.0, self._busy() - self.busy - accounted) / seconds if seconds else 0.0

    def _busy(self) -> float:
        try:
            fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        except OSError:
            return 0.0
        # user, nice, system, irq, softirq: not idle, iowait, nor steal (the hypervisor's).
        return (sum(fields[:7]) - fields[3] - fields[4]) / self.TICKS

    def _processes(self) -> dict[int, tuple[int, str, float]]:
        """pid: (parent pid, name, CPU seconds with its reaped children's) of every process now."""
        found = {}
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            cpu = sum(int(value) for value in fields[11:15]) / self.TICKS
            found[int(entry.name)] = (int(fields[1]), stat[stat.index("(") + 1 : stat.rindex(")")], cpu)
        return found

    @staticmethod
    def _backends(processes: dict) -> set[int]:
        """PostgreSQL names each backend's database in its title: `postgres: 15/main: user database host(port) …`."""
        database = f" {urlsplit(DATABASE_URL).path.lstrip('/')} "
        found = set()
        for pid, (_parent, name, _cpu) in processes.items():
            if name == "postgres":
                with contextlib.suppress(OSError):
                    if database in Path(f"/proc/{pid}/cmdline").read_text():
                        found.add(pid)
        return found

    @staticmethod
    def _tree(processes: dict, root: int) -> set[int]:
        tree, added = {root}, True
        while added:
            children = {pid for pid, (parent, _name, _cpu) in processes.items() if parent in tree} - tree
            tree |= children
            added = bool(children)
        return tree


def main() -> None:
    import django

    database_create()
    django.setup()
    from django.utils import timezone

    # Stopped from outside (kill, a timeout): the servers are stopped too, by the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    today = timezone.localdate()
    token = seed(today)
    with tempfile.TemporaryFile(mode="w+") as log:
        ports = {workers: PORT + number for number, workers in enumerate(WORKERS)}
        servers = [gunicorn_start(workers, port, log) for workers, port in ports.items()]
        try:
            for server, port in zip(servers, ports.values(), strict=True):
                if server.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"gunicorn stopped at once:\n{log.read()[-3000:]}")
                wait_for_port(port)
            query = f"active_on={today.isoformat()}&page_size=50"
            headers = {"Authorization": f"Token {token}", **BEHIND_THE_PROXY}
            urls = {
                workers: {
                    "floor": (f"http://127.0.0.1:{port}/bench/floor/?{query}", BEHIND_THE_PROXY),
                    "api": (f"http://127.0.0.1:{port}/api/v1/changes/?{query}", headers),
                }
                for workers, port in ports.items()
            }

            for port in ports.values():
                connection = http.client.HTTPConnection("127.0.0.1", port)
                connection.request("GET", f"/api/v1/changes/?{query}", headers=headers)
                api_body = json.loads(connection.getresponse().read())
                connection.request("GET", f"/bench/floor/?{query}", headers=BEHIND_THE_PROXY)
                floor_body = json.loads(connection.getresponse().read())
                assert [row["id"] for row in api_body["results"]] == [row["id"] for row in floor_body["results"]]
                assert len(api_body["results"]) == 50, api_body

            load = load_wrk if shutil.which("wrk") else load_python
            tool = "wrk" if load is load_wrk else "python threads"
            seconds = max(1, SECONDS // ROUNDS)
            counts = " and ".join(str(workers) for workers in WORKERS)
            print(
                f"{CHANGES} changes, {api_body['count']} active on {today}; gunicorn {counts} workers "
                f"({'config/gunicorn.py' if GUNICORN_CONFIG.exists() else 'plain flags'}); {tool}, "
                f"{CONNECTIONS} connections; {ROUNDS} alternating rounds of {seconds} s per URL and worker count; "
                f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
                flush=True,
            )
            rounds = {(workers, name): [] for workers in WORKERS for name in ("floor", "api")}
            for number in range(ROUNDS):
                for workers in WORKERS:
                    for name, (url, sent) in urls[workers].items():
                        with OtherWork() as other:
                            result = load(url, sent, seconds)
                        result["others"] = other.cores
                        rounds[workers, name].append(result)
                        print(
                            f"  round {number + 1} {workers} workers {name:6}{result['rps']:>9.1f} req/s"
                            f"  p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms  errors {result['errors']}"
                            # A round during which other work took a core's share is not comparable.
                            f"  others {result['others']:.2f} cores",
                            flush=True,
                        )
            print(f"{'':18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}   (p50/p99: median over rounds)")
            totals = {}
            for (workers, name), results in rounds.items():
                totals[workers, name] = sum(result["requests"] for result in results) / (seconds * len(results))
                p50 = statistics.median(result["p50"] for result in results)
                p99 = statistics.median(result["p99"] for result in results)
                errors = sum(result["errors"] for result in results)
                print(f"{workers} workers {name:8}{totals[workers, name]:>10.1f}{p50:>10.2f}{p99:>10.2f}{errors:>8}")
            for workers in WORKERS:
                ratio = totals[workers, "api"] / totals[workers, "floor"]
                print(f"API / floor with {workers} workers: {ratio:.2f} (target >= 0.50)")
            for workers in WORKERS[1:]:
                first = WORKERS[0]
                print(
                    f"{workers} workers / {first} workers: API {totals[workers, 'api'] / totals[first, 'api']:.2f}, "
                    f"floor {totals[workers, 'floor'] / totals[first, 'floor']:.2f}"
                )
            others = [result["others"] for results in rounds.values() for result in results]
            print(
                f"other work during the rounds: {statistics.mean(others):.2f} cores on average, at most "
                f"{max(others):.2f}; load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
            )
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
