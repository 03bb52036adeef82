"""Flags: which support texts still state an old fact, kept in step with the texts and the changes.

Every scan is idempotent: it compares what the texts say now with the flag table
and writes only the difference. One flag per (support text, fact change), backed
by a unique constraint, so scans running side by side cannot double a flag.

Status rules:
- found and no flag yet → open; found and resolved → open again (the text
  regressed); found and dismissed by Bulletin itself → open again (the change
  became active again); a person's dismissal stands, even once their account is deleted.
- open and no longer found while text and phrase are active → resolved: a re-scan
  of the text verified that the old wording is gone; unless the change's old
  wording itself was edited since (its fact change keeps its id) → dismissed.
- open while its change is withdrawn or ended, its fact change removed or its text
  deactivated → dismissed with that reason and no person.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, Value
from django.db.models.functions import StrIndex
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bulletin.texts.corpus import corpus_blocks, corpus_find
from bulletin.texts.matching import PhraseMatcher
from bulletin.texts.models import Flag, SupportText
from bulletin.texts.normalising import normalise
from bulletin.texts.spots import spot_locate
from changes.models import Change, FactChange
from config.celery import enqueue_on_commit

logger = logging.getLogger(__name__)

# With this many phrases or fewer, PostgreSQL narrows the texts (LIKE on the stored
# normalised body) before Python checks the word rules; one change's scan stays well under a second.
PREFILTER_MAX_PHRASES = 20
CHUNK = 2000
# Scanning texts by id costs about 45 µs a text; the full re-scan about 10 µs a text of the whole
# corpus (measured on 100,000 texts). Past a fifth of all texts, the full re-scan is the cheaper way.
FULL_RESCAN_SHARE = 0.2


@dataclass
class ScanResult:
    opened: int = 0
    reopened: int = 0
    refreshed: int = 0
    resolved: int = 0
    dismissed: int = 0
    texts_scanned: int = 0
    phrases: int = 0

    def __add__(self, other):
        return ScanResult(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))


@dataclass
class _Phrase:
    fact_id: int
    change_id: int
    old_text: str
    new_text: str
    normalised: str


def active_facts(*, day: datetime.date | None = None):
    """Fact changes whose old wording must not be told any more: published changes that have not ended."""
    day = day or timezone.localdate()
    return FactChange.objects.filter(change__status=Change.Status.PUBLISHED).filter(
        Q(change__effective_until__isnull=True) | Q(change__effective_until__gte=day)
    )


def _phrases(facts) -> list[_Phrase]:
    rows = facts.values_list("id", "change_id", "old_text", "new_text")
    return [_Phrase(i, c, old, new, normalise(old)) for i, c, old, new in rows if normalise(old)]


def _inactive_reason(change: Change | None, *, day: datetime.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if change is None or change.status == Change.Status.WITHDRAWN:
            return _("Change withdrawn.")
        if change.status != Change.Status.PUBLISHED:
            return _("Change no longer published.")
        if change.effective_until is not None and change.effective_until < day:
            return _("Change ended.")
        return _("Fact change removed from the change.")


def _wording_edited_reason() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("The change's old wording was edited; this text does not say the new one.")


def _text_inactive_reason() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Support text deactivated.")


def _spot_fields(*, body: str, phrase: _Phrase, mapped, normalised: str) -> dict:
    spot = spot_locate(
        body=body, phrase=phrase.normalised, new_text=phrase.new_text, mapped=mapped, normalised=normalised
    )
    if spot is None:  # pragma: no cover - the fast and the mapped normaliser disagree on an exotic input
        return {"excerpt": "", "match_start": 0, "match_end": 0, "proposed_text": ""}
    return {
        "excerpt": spot.excerpt,
        "match_start": spot.start,
        "match_end": spot.end,
        "proposed_text": spot.proposed_text,
    }


def _sync(
    *,
    found: set[tuple[int, int]],
    phrases: dict[int, _Phrase],
    scope: Q,
    text_is_active,
    now: datetime.datetime,
    day: datetime.date,
) -> ScanResult:
    """Make the flags inside `scope` agree with `found` (pairs of text id and fact id)."""
    result = ScanResult()
    # A flag whose fact change was deleted has no fact id; a negative stand-in keeps such flags apart.
    existing = {
        (text_id, fact_id if fact_id is not None else -flag_id): (flag_id, status, by_bulletin, updated_at, old, new)
        for flag_id, text_id, fact_id, status, by_bulletin, updated_at, old, new in Flag.objects.filter(
            scope
        ).values_list(
            "id", "support_text_id", "fact_change_id", "status", "dismissed_by_bulletin", "updated_at", "old_text",
            "new_text",
        )
    }

    # Pairs that need their spot (excerpt, proposal) computed: new, reopened, or text or wording changed since.
    to_create, to_reopen, maybe_refresh = [], [], []
    for pair in found:
        current = existing.get(pair)
        if current is None:
            to_create.append(pair)
        elif current[1] == Flag.Status.RESOLVED or (current[1] == Flag.Status.DISMISSED and current[2]):
            to_reopen.append((current[0], pair))
        elif current[1] == Flag.Status.OPEN:
            maybe_refresh.append((current[0], pair, current))
    to_refresh = []
    if maybe_refresh:
        text_updated = _chunked_values(SupportText.objects, {pair[0] for _i, pair, _c in maybe_refresh}, "updated_at")
        for flag_id, pair, current in maybe_refresh:
            phrase = phrases[pair[1]]
            if text_updated[pair[0]] >= current[3] or (current[4], current[5]) != (phrase.old_text, phrase.new_text):
                to_refresh.append((flag_id, pair))

    text_ids = {pair[0] for pair in to_create} | {pair[0] for _id, pair in to_reopen}
    text_ids |= {pair[0] for _id, pair in to_refresh}
    texts = {}
    text_ids = list(text_ids)
    for start in range(0, len(text_ids), CHUNK):
        rows = SupportText.objects.filter(pk__in=text_ids[start : start + CHUNK])
        rows = rows.values_list("pk", "body", "body_normalised")
        texts.update((pk, (body, normalised)) for pk, body, normalised in rows)

    def spot(pair):
        text_id, fact_id = pair
        body, normalised = texts[text_id]
        return _spot_fields(body=body, phrase=phrases[fact_id], mapped=None, normalised=normalised)

    new_flags = []
    for pair in to_create:
        phrase = phrases[pair[1]]
        new_flags.append(
            {
                "support_text_id": pair[0],
                "fact_change_id": pair[1],
                "change_id": phrase.change_id,
                "old_text": phrase.old_text,
                "new_text": phrase.new_text,
                **spot(pair),
            }
        )
    _flags_insert(new_flags, now=now)
    result.opened = len(new_flags)

    for flag_id, pair in to_reopen:
        phrase = phrases[pair[1]]
        result.reopened += Flag.objects.filter(pk=flag_id).exclude(status=Flag.Status.OPEN).update(
            status=Flag.Status.OPEN,
            resolved_at=None,
            dismissed_at=None,
            dismissed_by_bulletin=False,
            dismiss_reason="",
            old_text=phrase.old_text,
            new_text=phrase.new_text,
            updated_at=now,
            **spot(pair),
        )
    for flag_id, pair in to_refresh:
        phrase = phrases[pair[1]]
        result.refreshed += Flag.objects.filter(pk=flag_id, status=Flag.Status.OPEN).update(
            old_text=phrase.old_text, new_text=phrase.new_text, updated_at=now, **spot(pair)
        )

    # Open flags the scan did not find: verified gone, or no longer asked for.
    gone = [
        (pair, current[0]) for pair, current in existing.items() if current[1] == Flag.Status.OPEN and pair not in found
    ]
    resolve_ids, dismiss = [], defaultdict(list)
    if gone:
        flag_change = _chunked_values(Flag.objects, [flag_id for _pair, flag_id in gone], "change_id")
        changes = Change.objects.in_bulk(set(flag_change.values()))
        reasons = {}
        for (text_id, fact_id), flag_id in gone:
            if not text_is_active(text_id):
                dismiss[_text_inactive_reason()].append(flag_id)
            elif fact_id in phrases and normalise(existing[(text_id, fact_id)][4]) != phrases[fact_id].normalised:
                # The text was not fixed: the change now looks for another wording, which this text lacks.
                dismiss[_wording_edited_reason()].append(flag_id)
            elif fact_id in phrases:
                resolve_ids.append(flag_id)
            else:
                change_id = flag_change[flag_id]
                if change_id not in reasons:
                    reasons[change_id] = _inactive_reason(changes.get(change_id), day=day)
                dismiss[reasons[change_id]].append(flag_id)
    if resolve_ids:
        result.resolved = Flag.objects.filter(pk__in=resolve_ids, status=Flag.Status.OPEN).update(
            status=Flag.Status.RESOLVED, resolved_at=now, updated_at=now
        )
    for reason, ids in dismiss.items():
        result.dismissed += Flag.objects.filter(pk__in=ids, status=Flag.Status.OPEN).update(
            status=Flag.Status.DISMISSED,
            dismissed_at=now,
            dismissed_by=None,
            dismissed_by_bulletin=True,
            dismiss_reason=reason,
            updated_at=now,
        )
    return result


_INSERT_COLUMNS = (
    "support_text_id", "change_id", "fact_change_id", "old_text", "new_text", "excerpt", "match_start", "match_end",
    "proposed_text",
)


def _flags_insert(flags: list[dict], *, now: datetime.datetime) -> None:
    """Insert new open flags (dicts of `_INSERT_COLUMNS`), skipping any that a scan beside this one just opened.

    On PostgreSQL the rows go through COPY and a temporary table: building the
    INSERT (or only the model instances) for thousands of flags with long proposed
    texts costs more than the scan that found them (the first full re-scan opens every flag).
    """
    if connection.vendor != "postgresql":
        Flag.objects.bulk_create([Flag(**flag) for flag in flags], batch_size=CHUNK, ignore_conflicts=True)
        return
    if not flags:
        return
    columns = ", ".join(_INSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bulletin_new_flag (support_text_id bigint, change_id bigint, fact_change_id bigint, "
            "old_text varchar(200), new_text varchar(200), excerpt text, match_start integer, match_end integer, "
            "proposed_text text) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY bulletin_new_flag ({columns}) FROM STDIN") as copy:
            for flag in flags:
                copy.write_row([flag[name] for name in _INSERT_COLUMNS])
        cursor.execute(
            f"INSERT INTO {Flag._meta.db_table} "
            f"({columns}, status, dismiss_reason, dismissed_by_bulletin, created_at, updated_at) "
            f"SELECT {columns}, %s, '', false, %s, %s FROM bulletin_new_flag ON CONFLICT DO NOTHING",
            [Flag.Status.OPEN, now, now],
        )
        # Dropped here too: a caller's outer transaction would keep it past the next scan.
        cursor.execute("DROP TABLE bulletin_new_flag")


def _chunked_values(manager, ids, field_name: str) -> dict:
    """{pk: value of field_name} for these ids, a few thousand per query."""
    ids, values = list(ids), {}
    for start in range(0, len(ids), CHUNK):
        values.update(manager.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", field_name))
    return values


def flags_scan_change_enqueue(*, change_id: int) -> None:
    """Queue the scan of one change's phrases after commit (see enqueue_on_commit)."""
    enqueue_on_commit("bulletin.tasks.flags_scan_change_task", change_id)


# Above this many texts one full re-scan is cheaper than passing every id.
SCAN_TEXTS_MAX_IDS = 5000


def flags_scan_texts_enqueue(*, text_ids: Iterable[int]) -> None:
    """Queue a scan of these texts after commit (a full re-scan when there are very many); nothing for none.

    With the broker down the import or edit stands; the nightly re-scan catches up.
    """
    text_ids = sorted(set(text_ids))
    if len(text_ids) > SCAN_TEXTS_MAX_IDS:
        enqueue_on_commit("bulletin.tasks.flags_rescan_all_task")
    elif text_ids:
        enqueue_on_commit("bulletin.tasks.flags_scan_texts_task", text_ids)


def _log(name: str, result: ScanResult) -> ScanResult:
    logger.info("%s: %s", name, result)
    return result


def flags_scan_change(*, change_id: int) -> ScanResult:
    """Scan all active texts for the change's phrases and update that change's flags.

    Idempotent. A withdrawn or ended change (or a removed fact change) has its open
    flags dismissed with that reason. Returns quietly when the change is gone.
    """
    day, now = timezone.localdate(), timezone.now()
    if not Change.objects.filter(pk=change_id).exists():
        return ScanResult()
    phrases = {p.fact_id: p for p in _phrases(active_facts(day=day).filter(change_id=change_id))}
    matcher = PhraseMatcher((p.fact_id, p.normalised) for p in phrases.values())
    texts = SupportText.objects.filter(active=True)
    if matcher and len(matcher.phrases) <= PREFILTER_MAX_PHRASES:
        # STRPOS, not LIKE '%…%': about 2.5x faster on PostgreSQL for UTF-8 text (measured, 100k texts).
        condition = Q()
        for index, phrase in enumerate(matcher.phrases):
            texts = texts.alias(**{f"at_{index}": StrIndex("body_normalised", Value(phrase))})
            condition |= Q(**{f"at_{index}__gt": 0})
        texts = texts.filter(condition)
    found, count = corpus_find(matcher=matcher, blocks=corpus_blocks(texts=texts))
    with transaction.atomic():
        result = _sync(
            found=found,
            phrases=phrases,
            scope=Q(change_id=change_id),
            text_is_active=_text_activity(),
            now=now,
            day=day,
        )
    result.texts_scanned, result.phrases = count, len(phrases)
    return _log(f"flags_scan_change({change_id})", result)


def _text_activity():
    """is_active(text id); asks the database once, and only when a scan has a flag to close."""
    inactive = None

    def is_active(text_id: int) -> bool:
        nonlocal inactive
        if inactive is None:
            inactive = set(SupportText.objects.filter(active=False).values_list("pk", flat=True))
        return text_id not in inactive

    return is_active


def flags_scan_texts(*, text_ids: Iterable[int]) -> ScanResult:
    """Scan these texts for all active phrases and update their flags.

    Idempotent. A flag whose text no longer says the old wording is resolved: this is
    the verification step after a re-import or an admin edit. Unknown ids are ignored.
    Asked for a large share of all texts (a first import), it runs the full re-scan,
    which also brings every other flag up to date.
    """
    day, now = timezone.localdate(), timezone.now()
    text_ids = list(text_ids)
    if len(text_ids) > CHUNK and len(text_ids) >= FULL_RESCAN_SHARE * SupportText.objects.count():
        return flags_rescan_all()
    phrases = {p.fact_id: p for p in _phrases(active_facts(day=day))}
    matcher = PhraseMatcher((p.fact_id, p.normalised) for p in phrases.values())
    result = ScanResult()
    for chunk_start in range(0, len(text_ids), CHUNK):
        chunk = text_ids[chunk_start : chunk_start + CHUNK]
        texts = SupportText.objects.filter(pk__in=chunk, active=True)
        found, count = corpus_find(matcher=matcher, blocks=corpus_blocks(texts=texts))
        with transaction.atomic():
            part = _sync(
                found=found,
                phrases=phrases,
                scope=Q(support_text_id__in=chunk),
                text_is_active=_text_activity(),
                now=now,
                day=day,
            )
        part.texts_scanned = count
        result = result + part
    result.phrases = len(phrases)
    return _log(f"flags_scan_texts({len(text_ids)} texts)", result)


def flags_rescan_all() -> ScanResult:
    """Make the flag table exactly what a fresh scan of all texts against all active phrases says.

    Idempotent; safe to run beside the incremental scans. Streams the stored
    normalised bodies, so memory stays flat whatever the number of texts.
    """
    day, now = timezone.localdate(), timezone.now()
    phrases = {p.fact_id: p for p in _phrases(active_facts(day=day))}
    matcher = PhraseMatcher((p.fact_id, p.normalised) for p in phrases.values())
    found, count = corpus_find(matcher=matcher, blocks=corpus_blocks(texts=SupportText.objects.filter(active=True)))
    with transaction.atomic():
        result = _sync(
            found=found, phrases=phrases, scope=Q(), text_is_active=_text_activity(), now=now, day=day
        )
    result.texts_scanned, result.phrases = count, len(phrases)
    return _log("flags_rescan_all", result)


def flag_dismiss(*, flag: Flag, user, reason: str) -> Flag:
    """Dismiss an open flag with a reason; records who and when.

    Raises ValidationError on `reason` when it is blank, and when the flag is not open.
    Permission checks are the caller's (bulletin/permissions.py).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Say why this text is not affected."), code="required")})
    now = timezone.now()
    updated = Flag.objects.filter(pk=flag.pk, status=Flag.Status.OPEN).update(
        status=Flag.Status.DISMISSED,
        dismissed_by=user,
        dismissed_by_bulletin=False,
        dismissed_at=now,
        dismiss_reason=reason,
        updated_at=now,
    )
    if not updated:
        raise ValidationError({"reason": ValidationError(_("Only an open flag can be dismissed."), code="not_open")})
    flag.refresh_from_db()
    return flag
