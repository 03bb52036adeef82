"""Backups as the README's operations section takes them: `pg_dump -Fc` of a seeded database, `pg_restore` into an
empty one, and every table comes back with the same rows (and every sequence where it was, so new rows still fit)."""

import subprocess
import uuid

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.databases import postgres_database_create, postgres_database_drop, postgres_server, postgres_url
from tests.servers import RedisServer, manage

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore are PostgreSQL's")


@pytest.fixture
def two_empty_databases():
    """A database to seed and one to restore into, both new and both dropped after, whatever happened."""
    names = [f"bulletin_backup_{uuid.uuid4().hex[:12]}_{role}" for role in ("seeded", "restored")]
    try:
        for name in names:
            # template0: pg_restore wants a database with nothing in it, not even what template1 may have gained.
            postgres_database_create(name, template="template0")
        yield names
    finally:
        for name in names:
            postgres_database_drop(name)


def _contents(name: str) -> dict:
    """Each table the catalog lists, with its row count and a checksum of its rows; each sequence's last value."""
    with psycopg.connect(dbname=name, **postgres_server()) as database:
        tables = database.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        contents = {}
        for schema, table in tables:
            # Rows as text, sorted: equal checksums mean the same rows, whatever order the restore wrote them in.
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t")
            contents[f"{schema}.{table}"] = database.execute(query.format(sql.Identifier(schema, table))).fetchone()
        for schema, sequence, last_value in database.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
        ):
            contents[f"sequence {schema}.{sequence}"] = last_value
    return contents


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_seeded_database_dumped_and_restored_into_an_empty_one_has_every_row_back(two_empty_databases, tmp_path):
    seeded, restored = two_empty_databases
    dump = tmp_path / "bulletin.dump"
    redis = RedisServer()  # the seed's tasks go to a Redis of the test's own, not to the lane's queues
    try:
        for args in (("migrate", "--no-input"), ("seed_demo",)):
            result = manage(*args, DATABASE_URL=postgres_url(seeded), REDIS_URL=redis.url)
            assert result.returncode == 0, result.stdout + result.stderr
    finally:
        redis.stop()

    dumped = _run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={postgres_url(seeded)}"])
    assert dumped.returncode == 0, dumped.stderr
    restoring = _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={postgres_url(restored)}", str(dump)])
    assert restoring.returncode == 0, restoring.stderr

    before, after = _contents(seeded), _contents(restored)
    assert after == before
    # The seed really wrote: people, changes, their history, texts and flags, a digest; Django's own tables too.
    for table in ("auth_user", "changes_change", "changes_historicalchange", "bulletin_supporttext", "bulletin_flag",
                  "bulletin_digest", "django_migrations"):
        assert before[f"public.{table}"][0] > 0, table
    # The restored database is at the code's schema: the README's `migrate` after a restore has nothing to do.
    check = manage("migrate", "--check", DATABASE_URL=postgres_url(restored))
    assert check.returncode == 0, check.stdout + check.stderr
