"""Benchmark: importing a Zendesk macros export of 100,000 macros (not collected by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench_helpdesk \\
        python tests/bench/bench_helpdesk_import.py [--macros 100000]

Creates a fresh database. Writes one `{"macros": [...]}` file the shape GET /api/v2/macros.json
answers (fixtures/helpdesk/zendesk-macros.json), and the same texts as JSON Lines in our own
columns. In one run, each in a fresh process (so the peak memory is the import's):
- `import_support_texts macros.json --source zendesk` (detected, checked whole, streamed);
- the same again, nothing changed;
- the reference: `import_support_texts texts.jsonl --source reference`, the format Bulletin read before.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin_bench_helpdesk")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("REDIS_URL", "")  # the scan it queues goes to the file broker and is not run here

from tests.bench.bench_flags import WORDS, _setup_database  # noqa: E402

CHILD = """
import os, sys, time, json
sys.path.insert(0, {root!r})
import django
django.setup()
from django.core.management import call_command, CommandError
started = time.perf_counter()
try:
    call_command("import_support_texts", *{args!r}, "--no-progress", stdout=open(os.devnull, "w"))
    status = 0
except CommandError as error:
    status = error.returncode
elapsed = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"seconds": elapsed, "peak_rss_mb": peak / 1024, "status": status}}))
"""

STATES = ["5–7 Werktage", "10–14 Werktage", "3 Tage", "30 Tage Rückgabe"]


def _reply(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(100))
    return f"<p>Hallo {{{{ticket.requester.first_name}}}},</p><p>{words} {rng.choice(STATES)}.</p>"


def _write(directory: Path, count: int) -> tuple[Path, Path]:
    rng = random.Random(12)
    native, own = directory / "macros.json", directory / "texts.jsonl"
    with open(native, "w") as macros, open(own, "w") as rows:
        macros.write('{"macros": [')
        for number in range(count):
            pk = 360_000_000 + number
            body = _reply(rng)
            item = {
                "id": pk, "url": f"https://acme.zendesk.com/api/v2/macros/{pk}.json", "title": f"Makro {number}",
                "active": number % 10 != 0, "default": False, "position": number, "description": None,
                "actions": [
                    {"field": "status", "value": "pending"},
                    {"field": "comment_value_html", "value": body},
                ],
                "restriction": None, "created_at": "2025-01-07T08:00:00Z", "updated_at": "2025-09-18T14:05:40Z",
            }
            macros.write(("," if number else "") + json.dumps(item, ensure_ascii=False))
            rows.write(json.dumps({"external_id": f"macro/{pk}", "kind": "macro", "title": item["title"],
                                   "body": body, "active": item["active"]}, ensure_ascii=False) + "\n")
        macros.write('], "next_page": null, "previous_page": null, "count": %d}' % count)
    return native, own


def _run(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), args=list(args))],
        check=True, capture_output=True, text=True, env=os.environ,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--macros", type=int, default=100_000)
    args = parser.parse_args()
    _setup_database(os.environ["DATABASE_URL"])
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, env=os.environ)
    with tempfile.TemporaryDirectory() as directory:
        native, own = _write(Path(directory), args.macros)
        print(f"{args.macros} macros: {native.stat().st_size / 1e6:.0f} MB Zendesk export, "
              f"{own.stat().st_size / 1e6:.0f} MB JSON Lines")
        first = _run(str(native), "--source", "zendesk")
        again = _run(str(native), "--source", "zendesk")
        reference = _run(str(own), "--source", "reference")
    for label, run in (("Zendesk export", first), ("same export again", again), ("JSON Lines (reference)", reference)):
        print(f"{label}: {run['seconds']:.1f} s, peak {run['peak_rss_mb']:.0f} MB, exit {run['status']}")
    print(f"Zendesk export / JSON Lines: {first['seconds'] / reference['seconds']:.2f}x the time, "
          f"{first['peak_rss_mb'] / reference['peak_rss_mb']:.2f}x the memory")


if __name__ == "__main__":
    main()
