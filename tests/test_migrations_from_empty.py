"""Migrations: no model change lacks its migration, and an empty database of either engine migrates to the code's
schema (and our apps back to zero and forward again, the way out of a failed upgrade), as `manage.py` does it."""

import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.databases import postgres_database_create, postgres_database_drop, postgres_server, postgres_url
from tests.servers import manage

ROOT = Path(__file__).resolve().parent.parent
APPS = ("changes", "notifications", "bulletin")


def _our_migrations() -> set[str]:
    return {f"{app}.{path.stem}" for app in APPS for path in (ROOT / app / "migrations").glob("[0-9]*.py")}


class EmptyDatabase:
    """A new database of one engine that `manage.py` reaches by DATABASE_URL, and the tables the catalog lists."""

    def __init__(self, engine: str, folder: Path):
        self.engine = engine
        if engine == "sqlite":
            self.path = folder / "empty.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        self.name = f"bulletin_migrate_{uuid.uuid4().hex[:12]}"
        postgres_database_create(self.name)
        self.url = postgres_url(self.name)

    def tables(self) -> set[str]:
        if self.engine == "sqlite":
            with sqlite3.connect(self.path) as database:
                rows = database.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        else:
            with psycopg.connect(dbname=self.name, **postgres_server()) as database:
                rows = database.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {name for (name,) in rows}

    def drop(self) -> None:
        if self.engine != "sqlite":
            postgres_database_drop(self.name)


@pytest.fixture
def empty_database(tmp_path):
    """Of this lane's engine: CI runs the suite once on PostgreSQL and once on SQLite, so both are migrated."""
    database = EmptyDatabase(connection.vendor, tmp_path)
    try:
        yield database
    finally:
        database.drop()


def _manage(database: EmptyDatabase, *args: str) -> str:
    result = manage(*args, DATABASE_URL=database.url)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_no_model_change_lacks_its_migration(tmp_path):
    """What CI asks of every change to a model: `makemigrations --check` (it exits 1 when a migration is missing)."""
    output = _manage(EmptyDatabase("sqlite", tmp_path), "makemigrations", "--check", "--dry-run")
    assert "No changes detected" in output


def test_an_empty_database_migrates_to_the_codes_schema_and_our_apps_back_to_zero_and_forward(empty_database):
    """One test for both directions: each step starts from the last one's database, and migrating from empty
    is the slow part."""
    _manage(empty_database, "migrate", "--no-input")
    _manage(empty_database, "migrate", "--check")  # exits 1 while a migration is unapplied
    plan = _manage(empty_database, "showmigrations", "--plan").splitlines()
    assert plan and all(line.startswith("[X]") for line in plan), [line for line in plan if not line.startswith("[X]")]
    assert _our_migrations() <= {line.split()[-1] for line in plan}

    # changes first: unapplying it takes bulletin's migrations with it (they depend on it).
    _manage(empty_database, "migrate", "changes", "zero", "--no-input")
    _manage(empty_database, "migrate", "notifications", "zero", "--no-input")
    ours = _manage(empty_database, "showmigrations", *APPS).splitlines()
    assert not [line for line in ours if "[X]" in line]
    assert not {table for table in empty_database.tables() if table.startswith(tuple(f"{app}_" for app in APPS))}

    _manage(empty_database, "migrate", "--no-input")
    assert {"changes_change", "notifications_delivery", "bulletin_flag"} <= empty_database.tables()
