"""Benchmark: flag scans and support-text import at scale (not collected by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench_flags \\
        python tests/bench/bench_flags.py [--texts 100000] [--phrases 2000]

Creates the database if missing and empties its support texts, flags and changes.
Measures, in one run:
- importing N texts (~800 characters) from a JSON Lines file (support_texts_import);
- the full re-scan end to end (database → flag table) in a fresh process, with its
  peak memory, run twice (first run opens the flags, second must change nothing),
  in --rounds rounds from an empty flag table, medians reported;
- `LC_ALL=C grep -F -c -f PHRASES CORPUS` over the same normalised texts, as often;
- the scan an import of all the texts queues (flags_scan_texts);
- the incremental scan for one change with 3 phrases;
- the naive way, one `icontains` query per phrase, timed on a sample and extrapolated.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bulletin_bench_flags")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DEBUG", "false")  # DEBUG keeps every SQL statement in memory
os.environ.setdefault("SECRET_KEY", "bench-only")

DASH_SPELLINGS = ["–", "-", " – ", " - ", "—", "\u2011", " \u2212 "]
WORDS = (
    "lieferung lieferzeit werktage bestellung versand kunde rücksendung etikett paket rechnung zahlung ratenzahlung "
    "gutschein rabatt aktion sofa tisch stuhl lampe kissen garten möbel holz spedition termin zeitfenster hotline "
    "erreichbar montag freitag samstag uhr konto passwort newsletter abmelden umtausch garantie reklamation "
    "ersatzteil montage aufbau service filiale abholung lager verfügbar ausverkauft vormerken preis euro kosten "
    "frei ab bis innerhalb von nach mit ohne für und oder nicht bitte danke hallo grüße ihre ihr sie wir "
    "delivery order shipping return label parcel invoice payment instalment voucher discount sale chair table "
    "lamp cushion garden furniture wood freight slot phone open monday friday saturday account password refund "
    "warranty complaint spare part assembly store pickup stock available sold out price costs free from to within"
).split()


def _setup_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], password=config["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as connection:
        # A fresh database each run: one left by an older schema would fail the migrations.
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def _phrase(rng: random.Random) -> str:
    a = rng.randint(1, 30)
    shapes = [
        lambda: f"{rng.choice(WORDS)} {a}–{a + rng.randint(1, 9)} {rng.choice(WORDS)}",
        lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {a}",
        lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
        lambda: f"ab {a * 10} € {rng.choice(WORDS)}",
        lambda: f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
    ]
    return rng.choice(shapes)()


def _spelled(phrase: str, rng: random.Random) -> str:
    """The phrase the way a person might have typed it: another dash, other case."""
    text = phrase.replace("–", rng.choice(DASH_SPELLINGS))
    return text.upper() if rng.random() < 0.1 else text


def _body(rng: random.Random, length: int = 800) -> str:
    words, size = [], 0
    while size < length:
        word = rng.choice(WORDS)
        if rng.random() < 0.05:
            word = str(rng.randint(1, 999))
        words.append(word)
        size += len(word) + 1
    sentences, current = [], []
    for word in words:
        current.append(word)
        if rng.random() < 0.08:
            sentences.append(" ".join(current).capitalize() + ".")
            current = []
    sentences.append(" ".join(current).capitalize() + ".")
    return " ".join(sentences)


def _write_corpus(path: Path, *, texts: int, phrases: list[str], stale_share: float, rng: random.Random) -> list[str]:
    """Writes the texts; returns the phrases written into them, once per text that states one."""
    stale = []
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(texts):
            body = _body(rng)
            if rng.random() < stale_share:
                cut = rng.randint(0, len(body) - 1)
                cut = body.rfind(" ", 0, cut) + 1
                phrase = rng.choice(phrases)
                body = body[:cut] + _spelled(phrase, rng) + " " + body[cut:]
                stale.append(phrase)
            if index % 10 == 0:  # some HTML bodies, as help desks export them
                body = "<p>" + body.replace(". ", ".</p>\n<p>", 3) + "</p>"
            row = {
                "external_id": f"bench-{index}",
                "kind": "macro" if index % 3 else "faq",
                "title": f"Text {index}",
                "body": body,
                "language": "de",
                "tags": ["bench"],
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return stale


RESCAN_CHILD = """
import os, sys, time, json
sys.path.insert(0, {root!r})
import django
django.setup()
from bulletin.texts.flags import flags_rescan_all
started = time.perf_counter()
result = flags_rescan_all()
elapsed = time.perf_counter() - started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"seconds": elapsed, "peak_rss_mb": peak / 1024, "result": vars(result)}}))
"""


def _rescan_in_child() -> dict:
    # A fresh process, so its peak RSS is the re-scan's and not the corpus generator's.
    out = subprocess.run(
        [sys.executable, "-c", RESCAN_CHILD.format(root=str(ROOT))], check=True, capture_output=True, text=True,
        env=os.environ,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def _spread(runs: list[dict]) -> str:
    return ", ".join(f"{run['seconds']:.2f}" for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--phrases", type=int, default=2_000)
    parser.add_argument("--stale-share", type=float, default=0.01, help="Share of texts stating an old fact.")
    parser.add_argument("--naive-sample", type=int, default=20, help="Phrases timed with icontains.")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="Runs of each re-scan and of grep; medians reported.")
    args = parser.parse_args()

    _setup_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from bulletin.models import Flag, SupportText
    from bulletin.texts.flags import flags_scan_change, flags_scan_texts
    from bulletin.texts.importing import support_texts_import
    from bulletin.texts.normalising import normalise
    from bulletin.texts.reading import support_text_rows_read
    from changes.models import Change, FactChange, Team

    call_command("migrate", verbosity=0)

    rng = random.Random(args.seed)
    phrases = list(dict.fromkeys(_phrase(rng) for _ in range(args.phrases * 2)))[: args.phrases]
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus_file = folder / "texts.jsonl"
        started = time.perf_counter()
        stale = _write_corpus(corpus_file, texts=args.texts, phrases=phrases, stale_share=args.stale_share, rng=rng)
        print(f"generated {args.texts} texts ({corpus_file.stat().st_size / 1e6:.0f} MB JSONL, {len(stale)} state an "
              f"old fact) in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        result = support_texts_import(rows=support_text_rows_read(corpus_file), source="bench")
        figures["import_s"] = time.perf_counter() - started
        print(f"import: {figures['import_s']:.1f} s ({result.as_dict()})")
        started = time.perf_counter()
        again = support_texts_import(rows=support_text_rows_read(corpus_file), source="bench")
        figures["reimport_s"] = time.perf_counter() - started
        print(f"re-import of the same file: {figures['reimport_s']:.1f} s ({again.as_dict()})")

        team, _ = Team.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        user, _ = get_user_model().objects.get_or_create(username="bench")
        today = timezone.localdate()
        changes = Change.objects.bulk_create(
            Change(
                title=f"Bench change {i}", team=team, category="other", customer_impact="x", effective_from=today,
                channels=["email"], status="published", published_at=timezone.now(), created_by=user,
            )
            for i in range((len(phrases) + 2) // 3)
        )
        FactChange.objects.bulk_create(
            FactChange(change=changes[i // 3], old_text=phrase, new_text=f"{phrase} (neu)", position=i % 3)
            for i, phrase in enumerate(phrases)
        )

        # Several rounds, medians reported: one run on a 2-core machine varies by ±10 %.
        firsts, seconds = [], []
        for _round in range(args.rounds):
            Flag.objects.all().delete()
            firsts.append(_rescan_in_child())
            seconds.append(_rescan_in_child())
        first, second = _median_run(firsts), _median_run(seconds)
        figures["rescan_s"], figures["rescan_rss_mb"] = first["seconds"], first["peak_rss_mb"]
        for label, run, runs in (("first, opens flags", first, firsts), ("second, no change", second, seconds)):
            print(f"full re-scan ({label}): median {run['seconds']:.2f} s of {_spread(runs)}, "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB, {run['result']}")

        corpus_txt, phrases_txt = folder / "corpus.txt", folder / "phrases.txt"
        with open(corpus_txt, "w", encoding="utf-8") as handle:
            for (text,) in SupportText.objects.values_list("body_normalised").iterator(chunk_size=5000):
                handle.write(text.replace("\n", " ") + "\n")
        phrases_txt.write_text("\n".join(normalise(p) for p in phrases) + "\n", encoding="utf-8")
        greps = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            grep = subprocess.run(
                ["grep", "-F", "-c", "-f", str(phrases_txt), str(corpus_txt)],
                capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
            )
            greps.append({"seconds": time.perf_counter() - started})
        figures["grep_s"] = _median_run(greps)["seconds"]
        print(f"LC_ALL=C grep -F -c -f: median {figures['grep_s']:.2f} s of {_spread(greps)} ({grep.stdout.strip()} "
              f"lines match; {corpus_txt.stat().st_size / 1e6:.0f} MB normalised)")
        print(f"re-scan / grep: {first['seconds'] / figures['grep_s']:.2f}x opening every flag, "
              f"{second['seconds'] / figures['grep_s']:.2f}x nightly with nothing new (target ≤ 2x)")

        # What a first import queues once it has committed: a scan of every text it created.
        Flag.objects.all().delete()
        imported = list(SupportText.objects.values_list("id", flat=True))
        started = time.perf_counter()
        after_import = flags_scan_texts(text_ids=imported)
        figures["import_scan_s"] = time.perf_counter() - started
        print(f"scan queued by the import, {len(imported)} texts: {figures['import_scan_s']:.2f} s ({after_import})")

        change = Change.objects.create(
            title="Bench incremental", team=team, category="other", customer_impact="x", effective_from=today,
            channels=["email"], status="published", published_at=timezone.now(), created_by=user,
        )
        # Two phrases some texts state, so the scan opens flags; one no text states.
        for position, phrase in enumerate(rng.sample(sorted(set(stale)), 2) + ["lieferzeit 5–7 werktage"]):
            FactChange.objects.create(change=change, old_text=phrase, new_text="neu", position=position)
        started = time.perf_counter()
        incremental = flags_scan_change(change_id=change.pk)
        figures["incremental_s"] = time.perf_counter() - started
        print(f"incremental scan, 1 change with 3 phrases: {figures['incremental_s']:.3f} s ({incremental})")

        sample = rng.sample(phrases, min(args.naive_sample, len(phrases)))
        started = time.perf_counter()
        for phrase in sample:
            list(SupportText.objects.filter(active=True, body__icontains=phrase).values_list("id", flat=True))
        per_phrase = (time.perf_counter() - started) / len(sample)
        figures["naive_s"] = per_phrase * len(phrases)
        print(f"naive icontains, one query per phrase: {per_phrase * 1000:.0f} ms per phrase, "
              f"{figures['naive_s']:.0f} s for {len(phrases)} phrases (extrapolated from {len(sample)}; and it misses "
              f"other dash spellings, HTML and word rules) = "
              f"{figures['naive_s'] / figures['rescan_s']:.0f}x the re-scan")


if __name__ == "__main__":
    main()
