"""Flags: which support texts still state an old fact, kept in step with the texts and the changes.

A scan finds which texts state which active phrases (corpus.py, matching.py) and
makes the flags in its scope agree (flag_sync.py, where the status rules are).
Every scan is idempotent: it writes only the difference, and one flag per
(support text, fact change) is a unique constraint, so scans running side by side
cannot double a flag.
"""

import datetime
import logging
from collections.abc import Iterable, KeysView

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _

from bulletin.texts.corpus import corpus_blocks, corpus_find
from bulletin.texts.flag_sync import Found, Phrase, ScanResult, flags_without_parents_sweep, sync_apply, sync_plan
from bulletin.texts.matching import PhraseMatcher
from bulletin.texts.models import Flag, FullRescan, SupportText
from bulletin.texts.normalising import normalise
from changes.glossary import fact_search_forms, facts_search_forms
from changes.models import Change, FactChange
from config.celery import enqueue_now, enqueue_on_commit

logger = logging.getLogger(__name__)

# With this many phrases or fewer, PostgreSQL narrows the texts (LIKE on the stored
# normalised body) before Python checks the word rules; one change's scan stays well under a second.
PREFILTER_MAX_PHRASES = 20
CHUNK = 2000
# Scanning texts by id costs about 45 µs a text; the full re-scan about 10 µs a text of the whole
# corpus (measured on 100,000 texts). Past a fifth of all texts, the full re-scan is the cheaper way.
FULL_RESCAN_SHARE = 0.2


def active_facts(*, day: datetime.date | None = None):
    """Fact changes whose old wording must not be told any more: published changes that have not ended."""
    day = day or timezone.localdate()
    return FactChange.objects.filter(change__status=Change.Status.PUBLISHED).filter(
        Q(change__effective_until__isnull=True) | Q(change__effective_until__gte=day)
    )


def _phrases(facts) -> list[Phrase]:
    """Each fact change's old wording with every form it is searched in (changes/search_forms.py)."""
    searched = facts_search_forms(facts)
    phrases = []
    rows = facts.values_list("id", "change_id", "old_text", "new_text", "change__effective_from")
    for fact_id, change_id, old, new, due in rows:
        forms = {}
        for form in searched.get(fact_id) or fact_search_forms(old, new):
            forms.setdefault(normalise(form.old), (normalise(form.old), form.old, form.new))
        forms.pop("", None)
        if normalise(old):
            phrases.append(Phrase(fact_id, change_id, old, new, normalise(old), tuple(forms.values()), due))
    return phrases


def _matcher(phrases: dict[int, Phrase]) -> PhraseMatcher:
    """Finds every form; a hit's key is (fact change, form index)."""
    return PhraseMatcher(
        ((p.fact_id, index), normalised) for p in phrases.values() for index, (normalised, _o, _n) in enumerate(p.forms)
    )


def _found_forms(pairs) -> tuple[KeysView[Found], dict[Found, int]]:
    """Which texts state which fact, and in which form: the first of its forms the text states."""
    forms: dict[Found, int] = {}
    for text_id, (fact_id, index) in pairs:
        key = (text_id, fact_id)
        if index < forms.get(key, index + 1):
            forms[key] = index
    return forms.keys(), forms


def flags_scan_change_enqueue(*, change_id: int) -> None:
    """Queue the scan of one change's phrases now (a change event's receiver runs after its commit).

    Raises BrokerUnavailable, so the change event is announced again until the scan is queued:
    a change published while Redis was away is scanned within a minute of its return.
    """
    enqueue_now("bulletin.tasks.flags_scan_change_task", change_id)


def flags_rescan_all_enqueue() -> None:
    """Queue the full re-scan after commit (the glossary changed: every phrase may have new forms)."""
    enqueue_on_commit("bulletin.tasks.flags_rescan_all_task")


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


def _sync(*, found, phrases, scope: Q, now: datetime.datetime, day: datetime.date) -> ScanResult:
    found, forms = _found_forms(found)
    plan = sync_plan(found=found, forms=forms, phrases=phrases, scope=scope, text_is_active=_text_activity(), day=day)
    return sync_apply(plan, phrases=phrases, now=now, forms=forms)


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
    matcher = _matcher(phrases)
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
        result = _sync(found=found, phrases=phrases, scope=Q(change_id=change_id), now=now, day=day)
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
    matcher = _matcher(phrases)
    result = ScanResult()
    for chunk_start in range(0, len(text_ids), CHUNK):
        chunk = text_ids[chunk_start : chunk_start + CHUNK]
        texts = SupportText.objects.filter(pk__in=chunk, active=True)
        found, count = corpus_find(matcher=matcher, blocks=corpus_blocks(texts=texts))
        with transaction.atomic():
            part = _sync(found=found, phrases=phrases, scope=Q(support_text_id__in=chunk), now=now, day=day)
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
    matcher = _matcher(phrases)
    found, count = corpus_find(matcher=matcher, blocks=corpus_blocks(texts=SupportText.objects.filter(active=True)))
    with transaction.atomic():
        result = _sync(found=found, phrases=phrases, scope=Q(), now=now, day=day)
    # For /health/, which fails when the nightly one stops (selectors.flags_rescan_last_finished).
    FullRescan.objects.update_or_create(
        pk=FullRescan.ROW, defaults={"finished_at": timezone.now(), "texts_scanned": count}
    )
    result.texts_scanned, result.phrases = count, len(phrases)
    return _log("flags_rescan_all", result)


def flags_without_parents_sweep_all() -> tuple[int, int]:
    """Beat's nightly sweep of flags whose text, change or fact change is gone; (deleted, emptied).

    Django's on_delete and the scans' inserts keep the references (see Flag); this catches rows deleted past
    Django. Apart from the re-scans: over 55,000 flags it reads every text's id (0.3 s).
    """
    with transaction.atomic():
        result = flags_without_parents_sweep(Q())
    if any(result):
        logger.warning("flags_without_parents_sweep: %d flags deleted, %d lost their fact change", *result)
    return result


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
