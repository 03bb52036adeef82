"""Databases of a test's own on the lane's PostgreSQL server, beside its test database, for processes it starts."""

from urllib.parse import quote

import psycopg
from django.conf import settings
from psycopg import sql


def postgres_server() -> dict:
    """The lane's server as libpq keywords: host, port, user and, when there is one, password."""
    db = settings.DATABASES["default"]
    server = {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432), "user": db["USER"] or "postgres"}
    if db["PASSWORD"]:
        server["password"] = db["PASSWORD"]
    return server


def postgres_url(name: str) -> str:
    """DATABASE_URL for database `name`; pg_dump and pg_restore take it too where they take a database name."""
    server = postgres_server()
    password = f":{quote(server['password'], safe='')}" if "password" in server else ""
    return f"postgresql://{quote(server['user'], safe='')}{password}@{server['host']}:{server['port']}/{name}"


def postgres_database_create(name: str, *, template: str = "template1") -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))


def postgres_database_drop(name: str) -> None:
    """Drops it even while a process the test started is still connected."""
    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
