"""The flags bench's dense mode at a small size, untimed: its generator writes phrases in their search forms,
and the run checks its own counts (every phrase written is flagged, the second re-scan changes nothing)."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SMOKE_REDIS = "redis://127.0.0.1:6379/15"  # the imports queue scans; nothing here consumes them


def _database_url(tmp_path) -> tuple[str, str | None]:
    """A database of the bench's own, of this lane's engine: (its URL, the PostgreSQL name to drop after)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{tmp_path / 'bench.sqlite3'}", None
    name = f"bulletin_bench_smoke_{os.getpid()}"
    host, port, user = default["HOST"] or "127.0.0.1", default["PORT"] or 5432, default["USER"] or "postgres"
    return f"postgres://{user}@{host}:{port}/{name}", name


def test_the_dense_bench_runs_small_and_its_counts_agree(tmp_path):
    url, database = _database_url(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": SMOKE_REDIS, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("PYTEST_XDIST_WORKER", None)
    try:
        run = subprocess.run(
            [sys.executable, "tests/bench/bench_flags.py", "--dense", "--check", "--texts", "1200", "--phrases",
             "60", "--rounds", "1", "--naive-sample", "3"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
    finally:
        redis.Redis.from_url(SMOKE_REDIS).flushdb()
        if database:
            default = settings.DATABASES["default"]
            with psycopg.connect(
                host=default["HOST"] or "127.0.0.1", port=default["PORT"] or 5432, user=default["USER"] or "postgres",
                dbname="postgres", autocommit=True,
            ) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "check: every phrase written is flagged" in run.stdout
    # About 40 % of the texts state a phrase, some two: the flags opened are about 0.55 per text.
    opened = int(run.stdout.split("'opened': ", 1)[1].split(",", 1)[0])
    assert 0.45 * 1200 <= opened <= 0.7 * 1200, run.stdout
