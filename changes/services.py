"""Every state change of a Change goes through these functions.

Each runs in one transaction, checks who may act, validates against the model
rules (which the database backs with constraints) and announces the transition
with a signal after commit, so receivers never see a rolled-back change.
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from changes.events import change_event_record
from changes.models import CONTROL_CHARACTERS, Change, ChangeEvent, FactChange, State, Team
from changes.permissions import can_acknowledge, can_manage, lead_team_ids

# Fields a lead may set; everything else (status, revision, dates of the
# transitions, author) belongs to the services.
EDITABLE_FIELDS = (
    "title",
    "team",
    "category",
    "customer_impact",
    "support_guidance",
    "effective_from",
    "effective_until",
    "channels",
    "tags",
    "severity",
)

# An edit of one of these changes what support tells customers: the handover is asked for again.
HANDOVER_FIELDS = frozenset(
    {"customer_impact", "support_guidance", "effective_from", "effective_until", "fact_changes"}
)

Facts = Iterable[tuple[str, str]]


def _clean_facts(facts: Facts) -> list[tuple[str, str]]:
    """Strip, validate and de-duplicate fact changes; raises ValidationError on `fact_changes`."""
    cleaned, errors, seen = [], [], set()
    for index, (old_text, new_text) in enumerate(facts, start=1):
        old_text, new_text = (old_text or "").strip(), (new_text or "").strip()
        if not old_text:
            errors.append(_("Row %(row)s: the old wording may not be empty.") % {"row": index})
        elif old_text == new_text:
            errors.append(_("Row %(row)s: the new wording must differ from the old one.") % {"row": index})
        elif len(old_text) > 200 or len(new_text) > 200:
            errors.append(_("Row %(row)s: each wording may have at most 200 characters.") % {"row": index})
        elif CONTROL_CHARACTERS.search(old_text + new_text):
            message = _("Row %(row)s: write each wording on one line, without line breaks or tabs.")
            errors.append(message % {"row": index})
        elif old_text in seen:
            errors.append(_("Row %(row)s: “%(text)s” is listed twice.") % {"row": index, "text": old_text})
        seen.add(old_text)
        cleaned.append((old_text, new_text))
    if errors:
        raise ValidationError({"fact_changes": errors})
    return cleaned


def _facts_of(change: Change) -> list[tuple[str, str]]:
    return [(fact.old_text, fact.new_text) for fact in change.fact_changes.all()]


def _replace_facts(*, change: Change, facts: list[tuple[str, str]], user) -> None:
    """Make the change's fact changes equal `facts`.

    A row whose old wording stays is kept. An old wording that was edited (a typo,
    a dash, the case) keeps its row too: the edited wordings take over the rows whose
    wordings are gone, in order, so whatever refers to the fact change (flags and
    their dismissals, API clients) carries on. Rows left over are deleted.
    """
    existing = {fact.old_text: fact for fact in change.fact_changes.all()}
    wanted = {old for old, _new in facts}
    freed = [fact for old_text, fact in existing.items() if old_text not in wanted]
    freed.sort(key=lambda fact: (fact.position, fact.pk))
    for position, (old_text, new_text) in enumerate(facts):
        fact = existing.get(old_text)
        if fact is None and freed:
            fact = freed.pop(0)
            fact.old_text = old_text
        elif fact is None:
            fact = FactChange(change=change, old_text=old_text, new_text=new_text, position=position)
        elif fact.new_text == new_text and fact.position == position:
            continue
        fact.new_text, fact.position = new_text, position
        fact._history_user = user
        fact.save()
    for fact in freed:
        fact._history_user = user
        fact.delete()
    change._prefetched_objects_cache = {}


def _check_team(user, team: Team) -> None:
    if not (user.is_staff or team.pk in lead_team_ids(user)):
        raise PermissionDenied(_("You can only file changes for teams you lead."))


@transaction.atomic
def change_create(*, user, data: Mapping, facts: Facts = ()) -> Change:
    """File a new draft for a team `user` leads. Raises PermissionDenied or ValidationError."""
    team = data.get("team")
    if not isinstance(team, Team):
        raise ValidationError({"team": _("Choose a team.")})
    _check_team(user, team)
    change = Change(created_by=user, status=Change.Status.DRAFT)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(change, name, data[name])
    change.full_clean()
    facts = _clean_facts(facts)
    change._history_user = user
    change.save()
    _replace_facts(change=change, facts=facts, user=user)
    return change


@transaction.atomic
def change_update(*, change: Change, user, data: Mapping, facts: Facts | None = None) -> list[str]:
    """Apply an edit and return the names of the fields that really changed.

    An edit of a published change raises its revision by one and sends
    `change_updated`; an edit that changes nothing does neither. Withdrawn
    changes are final.
    """
    change = Change.objects.select_for_update().get(pk=change.pk)
    if not can_manage(user, change):
        raise PermissionDenied(_("Only leads of the filing team can edit this change."))
    if change.status == Change.Status.WITHDRAWN:
        raise ValidationError(_("A withdrawn change can no longer be edited."), code="withdrawn")
    if "team" in data and data["team"] != change.team:
        _check_team(user, data["team"])

    changed = []
    for name in EDITABLE_FIELDS:
        if name in data and getattr(change, name) != data[name]:
            setattr(change, name, data[name])
            changed.append(name)
    change.full_clean()

    new_facts = None
    if facts is not None:
        new_facts = _clean_facts(facts)
        if new_facts != _facts_of(change):
            changed.append("fact_changes")

    if not changed:
        return []
    if change.status == Change.Status.PUBLISHED:
        change.revision += 1
    if change.acknowledged_at is not None and HANDOVER_FIELDS.intersection(changed):
        change.acknowledged_at, change.acknowledged_by, change.acknowledgement_note = None, None, ""
    change._history_user = user
    change.save()
    if new_facts is not None:
        _replace_facts(change=change, facts=new_facts, user=user)
    if change.status == Change.Status.PUBLISHED:
        change_event_record(change=change, kind=ChangeEvent.Kind.UPDATED, changed_fields=changed)
    return changed


@transaction.atomic
def change_publish(*, change: Change, user) -> Change:
    """Publish a draft. Raises ValidationError if it is not a complete draft."""
    change = Change.objects.select_for_update().get(pk=change.pk)
    if not can_manage(user, change):
        raise PermissionDenied(_("Only leads of the filing team can publish this change."))
    if change.status != Change.Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."), code="not_draft")
    change.status = Change.Status.PUBLISHED
    change.published_at = timezone.now()
    change.full_clean()
    change._history_user = user
    change.save()
    change_event_record(change=change, kind=ChangeEvent.Kind.PUBLISHED)
    return change


@transaction.atomic
def change_withdraw(*, change: Change, user) -> Change:
    """Withdraw a published change; it stays readable and is marked withdrawn."""
    change = Change.objects.select_for_update().get(pk=change.pk)
    if not can_manage(user, change):
        raise PermissionDenied(_("Only leads of the filing team can withdraw this change."))
    if change.status != Change.Status.PUBLISHED:
        raise ValidationError(_("Only a published change can be withdrawn."), code="not_published")
    change.status = Change.Status.WITHDRAWN
    change.withdrawn_at = timezone.now()
    change._history_user = user
    change.save()
    change_event_record(change=change, kind=ChangeEvent.Kind.WITHDRAWN)
    return change


@transaction.atomic
def change_acknowledge(*, change: Change, user, note: str = "") -> Change:
    """Support confirms the handover of a published change; who, when and the note go into its history.

    Confirming again (another support lead, a new note) records the latest confirmation; it is not an edit
    of the change and sends nothing.
    """
    change = Change.objects.select_for_update().get(pk=change.pk)
    if change.state not in (State.PLANNED, State.IN_EFFECT):
        raise ValidationError(
            _("Only a published change that has not ended can be handed over."), code="not_handed_over"
        )
    if not can_acknowledge(user, change):
        raise PermissionDenied(_("Only leads of a support team can confirm a handover."))
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": 500}}, code="max_length")
    change.acknowledged_at, change.acknowledged_by, change.acknowledgement_note = timezone.now(), user, note
    change._history_user = user
    change.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    return change
