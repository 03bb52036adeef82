"""Benchmark: the Zendesk live sync of 10,000 macros (not collected by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench_sync \\
        python tests/bench/bench_sync.py [--macros 10000] [--rounds 3]

Drops and creates the database each run. A local Zendesk (tests/helpdesk_server.py)
serves the macros 100 to a page, as Zendesk does. Each round starts from an empty
table and measures:
- the first sync (every macro created);
- a second sync with nothing changed (every macro listed again, nothing written);
- beside them, the floor: the same 100 pages fetched and parsed by the sync's own
  HTTP client with no database at all.
Medians of the rounds. The flag scan the first sync queues is not run (the broker is
replaced by a counter); bench_flags.py measures scans.
"""

import argparse
import copy
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin_bench_sync")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement in memory
os.environ.setdefault("SECRET_KEY", "bench-only")

from tests.bench.bench_flags import _setup_database  # noqa: E402
from tests.helpdesk_server import FakeZendesk, fixture  # noqa: E402

EMAIL, TOKEN = "bench@acme.example", "bench-token"


def _macros(count: int) -> list[dict]:
    template = fixture("zendesk-macros.json")["macros"][0]
    macros = []
    for index in range(count):
        macro = copy.deepcopy(template)
        macro["id"] = 900_000_000 + index
        macro["url"] = f"https://acme.zendesk.com/api/v2/macros/{macro['id']}.json"
        macro["title"] = f"Bench::Makro {index}"
        macro["actions"][0]["value"] = (
            f"<p>Hallo {{{{ticket.requester.first_name}}}},</p><p>Antwort Nummer {index}: "
            + "Vielen Dank für Ihre Nachricht an den Acme Shop. " * 8
            + "</p>"
        )
        macros.append(macro)
    return macros


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--macros", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    _setup_database(os.environ["DATABASE_URL"])
    fake = FakeZendesk(email=EMAIL, token=TOKEN, macros=_macros(args.macros), articles=[], page_size=100)
    os.environ.update(ZENDESK_BASE_URL=fake.url, ZENDESK_EMAIL=EMAIL, ZENDESK_API_TOKEN=TOKEN)
    import django

    django.setup()
    from django.core.management import call_command

    from bulletin.texts.helpdesk_api import helpdesk_client
    from bulletin.texts.models import HelpdeskSync, SupportText
    from bulletin.texts.syncing import _zendesk_pages, helpdesk_sync
    from config.celery import app

    call_command("migrate", verbosity=0)
    queued = []
    app.send_task = lambda name, args=(), **options: queued.append(name)

    figures: dict[str, list[float]] = {"floor": [], "first": [], "second": []}
    for round_number in range(1, args.rounds + 1):
        SupportText.objects.all().delete()
        HelpdeskSync.objects.all().delete()

        client = helpdesk_client("zendesk")
        started = time.perf_counter()
        fetched = sum(
            len(page["macros"])
            for _n, page in _zendesk_pages(client, "/api/v2/macros.json", {"per_page": 100}, "macros")
        )
        figures["floor"].append(time.perf_counter() - started)

        started = time.perf_counter()
        first = helpdesk_sync(helpdesk="zendesk")
        figures["first"].append(time.perf_counter() - started)
        started = time.perf_counter()
        second = helpdesk_sync(helpdesk="zendesk")
        figures["second"].append(time.perf_counter() - started)
        assert fetched == args.macros and first.created == args.macros, (fetched, first.counts())
        assert second.unchanged == args.macros and second.created == second.updated == 0, second.counts()
        print(
            f"round {round_number}: fetch only {figures['floor'][-1]:.2f} s ({client.requests_made} requests), "
            f"first sync {figures['first'][-1]:.2f} s ({first.counts()['created']} created, {first.requests} "
            f"requests), second sync {figures['second'][-1]:.2f} s ({second.unchanged} unchanged)"
        )

    floor, first_s, second_s = (statistics.median(figures[name]) for name in ("floor", "first", "second"))
    print(f"\n{args.macros} Zendesk macros, 100 a page, medians of {args.rounds} rounds:")
    print(f"  fetch and parse only (floor): {floor:.2f} s")
    print(f"  first sync:                   {first_s:.2f} s  = {first_s / floor:.1f}x the floor")
    print(f"  second sync, nothing changed: {second_s:.2f} s  = {second_s / floor:.1f}x the floor")
    print(f"  tasks queued (not run): {sorted(set(queued))}")
    fake.close()


if __name__ == "__main__":
    main()
