"""Benchmark: flag scans and support-text import at scale (not collected by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench_flags \\
        python tests/bench/bench_flags.py [--texts 100000] [--phrases 2000] [--dense] [--check]

--dense is a first import at real density: about 40 % of the texts state at least one
phrase, in any of its search forms ("5 bis 7 Werktage" for "5–7 Werktage"), some two, for
about 55,000 flags. --check makes the run check its own counts (every phrase written into
a text is flagged, the second re-scan changes nothing) and exit 1 when one is wrong; the
test suite runs it at a small size, untimed.

Creates the database if missing and empties its support texts, flags and changes.
Measures, in one run:
- importing N texts (~800 characters) from a JSON Lines file (support_texts_import);
- the full re-scan end to end (database → flag table) in a fresh process, with its
  peak memory, run twice (first run opens the flags, second must change nothing),
  in --rounds rounds from an empty flag table, medians reported;
- `LC_ALL=C grep -F -c -f PHRASES CORPUS` over the same normalised texts, as often;
- the scan an import of all the texts queues (flags_scan_texts);
- the incremental scan for one change with 3 phrases;
- the naive way, one `icontains` query per phrase, timed on a sample and extrapolated;
- with every flag open: a page of `GET /api/v1/flags/` (the first and one deep in the
  list), the `/flags/` queue, compiling the week's digest with `/digest/` and its e-mail.
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
    if config["ENGINE"].endswith("sqlite3"):
        Path(config["NAME"]).unlink(missing_ok=True)
        return
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


def _with_said(body: str, said: list[str], rng: random.Random) -> str:
    """`body` with each of `said` inserted at its own word start (none inside another)."""
    cuts = sorted(body.rfind(" ", 0, rng.randint(0, len(body) - 1)) + 1 for _ in said)
    pieces, position = [], 0
    for cut, words in zip(cuts, said, strict=True):
        pieces += [body[position:cut], words, " "]
        position = cut
    return "".join(pieces) + body[position:]


def _write_corpus(
    path: Path, *, texts: int, phrases: list[str], stale_share: float, rng: random.Random, forms=None,
    second_share: float = 0.0,
) -> list[tuple[int, str]]:
    """Writes the texts; returns (text index, phrase) for every phrase written into one.

    With `forms` (phrase → the forms it is searched in), a phrase is written in one of them at random.
    """
    stale = []
    with open(path, "w", encoding="utf-8") as handle:
        for index in range(texts):
            body = _body(rng)
            if rng.random() < stale_share:
                chosen = rng.sample(phrases, 2 if rng.random() < second_share else 1)
                said = [_spelled(rng.choice(forms[phrase]) if forms else phrase, rng) for phrase in chosen]
                body = _with_said(body, said, rng)
                stale += [(index, phrase) for phrase in chosen]
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


def _p50(fetch, times: int) -> float:
    runs = []
    for _round in range(times):
        started = time.perf_counter()
        fetch()
        runs.append(time.perf_counter() - started)
    return sorted(runs)[len(runs) // 2]


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
    parser.add_argument("--dense", action="store_true", help="A first import at real density (see above).")
    parser.add_argument("--check", action="store_true", help="Check the run's own counts; exit 1 when one is wrong.")
    parser.add_argument("--pages-only", action="store_true", help=argparse.SUPPRESS)  # the page timings' child
    args = parser.parse_args()
    if args.pages_only:
        _pages(rounds=args.rounds)
        return
    if args.dense:
        args.stale_share = 0.4

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
    from changes.glossary import fact_search_forms, facts_search_forms
    from changes.models import Change, FactChange, Team

    call_command("migrate", verbosity=0)

    rng = random.Random(args.seed)
    phrases = list(dict.fromkeys(_phrase(rng) for _ in range(args.phrases * 2)))[: args.phrases]
    forms = {phrase: [form.old for form in fact_search_forms(phrase, f"{phrase} (neu)")] for phrase in phrases}
    figures, failures = {}, []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus_file = folder / "texts.jsonl"
        started = time.perf_counter()
        stale = _write_corpus(
            corpus_file, texts=args.texts, phrases=phrases, stale_share=args.stale_share, rng=rng,
            forms=forms if args.dense else None, second_share=0.33 if args.dense else 0.0,
        )
        print(f"generated {args.texts} texts ({corpus_file.stat().st_size / 1e6:.0f} MB JSONL, "
              f"{len({index for index, _p in stale})} state an old fact, {len(stale)} phrases written, "
              f"{sum(len(f) for f in forms.values()) / len(forms):.1f} forms per phrase) "
              f"in {time.perf_counter() - started:.1f} s")

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
        # What publishing them did: each change's scan listed its facts' search forms, which they keep.
        facts_search_forms(FactChange.objects.all())

        # Several rounds, medians reported: one run on a 2-core machine varies by ±10 %.
        firsts, seconds = [], []
        for _round in range(args.rounds):
            Flag.objects.all().delete()
            firsts.append(_rescan_in_child())
            seconds.append(_rescan_in_child())
        first, second = _median_run(firsts), _median_run(seconds)
        if args.check:
            flagged = set(
                Flag.objects.filter(status="open").values_list("support_text__external_id", "old_text").iterator()
            )
            missing = {(f"bench-{index}", phrase) for index, phrase in stale} - flagged
            if missing:
                failures.append(f"{len(missing)} phrases written are not flagged, e.g. {sorted(missing)[:3]}")
            if any(second["result"][name] for name in ("opened", "reopened", "refreshed", "resolved", "dismissed")):
                failures.append(f"the second re-scan changed flags: {second['result']}")
            if first["result"]["opened"] != len(flagged):
                failures.append(f"the first re-scan reported {first['result']['opened']} opened, the table holds "
                                f"{len(flagged)}")
        figures["rescan_s"], figures["rescan_rss_mb"] = first["seconds"], first["peak_rss_mb"]
        for label, run, runs in (("first, opens flags", first, firsts), ("second, no change", second, seconds)):
            print(f"full re-scan ({label}): median {run['seconds']:.2f} s of {_spread(runs)}, "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB, {run['result']}")

        corpus_txt, phrases_txt = folder / "corpus.txt", folder / "phrases.txt"
        with open(corpus_txt, "w", encoding="utf-8") as handle:
            for (text,) in SupportText.objects.values_list("body_normalised").iterator(chunk_size=5000):
                handle.write(text.replace("\n", " ") + "\n")
        # Every form the scan looks for (changes/search_forms.py): grep does the same search.
        searched = dict.fromkeys(normalise(form) for phrase in phrases for form in forms[phrase])
        phrases_txt.write_text("\n".join(searched) + "\n", encoding="utf-8")
        greps = []
        for _round in range(args.rounds):
            started = time.perf_counter()
            grep = subprocess.run(
                ["grep", "-F", "-c", "-f", str(phrases_txt), str(corpus_txt)],
                capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
            )
            greps.append({"seconds": time.perf_counter() - started})
        figures["grep_s"] = _median_run(greps)["seconds"]
        print(f"LC_ALL=C grep -F -c -f: median {figures['grep_s']:.2f} s of {_spread(greps)} ({len(searched)} "
              f"patterns, {grep.stdout.strip()} lines match; {corpus_txt.stat().st_size / 1e6:.0f} MB normalised)")
        targets = "≤ 3x and ≤ 1.5x" if args.dense else "≤ 2x"
        print(f"re-scan / grep: {first['seconds'] / figures['grep_s']:.2f}x opening every flag, "
              f"{second['seconds'] / figures['grep_s']:.2f}x nightly with nothing new (targets {targets})")

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
        stated = sorted({phrase for _index, phrase in stale})
        for position, phrase in enumerate(rng.sample(stated, 2) + ["lieferzeit 5–7 werktage"]):
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

        user.is_staff = True
        user.save()
        # In a fresh process, as a web worker serves them: this one holds the corpus generator's objects, and
        # the garbage collector walking them showed in every request.
        out = subprocess.run(
            [sys.executable, __file__, "--pages-only", "--rounds", str(max(5, args.rounds * 3))],
            check=True, capture_output=True, text=True, env=os.environ,
        ).stdout
        print(out, end="")
    if failures:
        print("CHECK FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    if args.check:
        print("check: every phrase written is flagged, the second re-scan changed nothing, the counts agree")


def _pages(*, rounds: int) -> None:
    """With every flag open: what a reader waits for (p50 of `rounds` requests, in this process)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bulletin.digest.compiling import digest_compile
    from bulletin.digest.delivery import _payloads as digest_payloads
    from bulletin.digest.models import Digest
    from bulletin.digest.sections import sections_from_json
    from bulletin.models import Flag

    settings.ALLOWED_HOSTS = ["testserver"]
    figures = {}
    client = Client()
    user = get_user_model().objects.get(username="bench")
    client.force_login(user)
    open_flags = Flag.objects.filter(status="open").count()
    deep = max(1, open_flags // 200 // 2)
    api = {"status": "open", "page_size": 200}
    for label, path, query in (
        ("GET /api/v1/flags/?status=open&page_size=200, first page", "/api/v1/flags/", api),
        (f"the same, page {deep}", "/api/v1/flags/", {**api, "page": deep}),
        ("GET /flags/ (the open queue, 50 a page)", "/flags/", {}),
        (f"GET /flags/?page={max(1, open_flags // 50 // 2)}", "/flags/", {"page": max(1, open_flags // 50 // 2)}),
    ):
        def fetch(path=path, query=query):
            response = client.get(path, query)
            assert response.status_code == 200, (path, response.status_code)

        figures[label] = _p50(fetch, rounds)
        print(f"{label}: p50 {figures[label] * 1000:.0f} ms ({open_flags} open flags)")

    # The week's digest is compiled by beat on Monday morning (and on a staff action); readers then fetch the page,
    # and the e-mail, Slack and webhook bodies are built from the stored digest.
    figures["digest_compile_s"] = _p50(digest_compile, rounds)
    compiled = digest_compile().digest

    def page_and_mail():
        digest = Digest.objects.get(pk=compiled.pk)
        digest_payloads(digest, sections_from_json(digest.sections), language=settings.LANGUAGE_CODE)
        assert client.get("/digest/").status_code == 200

    figures["digest_s"] = _p50(page_and_mail, rounds)
    print(f"GET /digest/ and the digest's e-mail (and Slack, webhook) bodies: p50 {figures['digest_s'] * 1000:.0f} ms;"
          f" compiling the week ({compiled.changes.count()} changes, beat's job): p50 "
          f"{figures['digest_compile_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
