"""add_member and seed_demo can be run again and again without changing anything."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from changes.models import Change, Membership, Team


def _run(*args, **env_and_options):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_add_member_creates_user_and_team_and_is_idempotent(db, monkeypatch):
    monkeypatch.setenv("BULLETIN_PASSWORD", "geheim-123")
    first = _run("add_member", "anna", "--team", "einkauf", "--role", "lead", "--email", "anna@example.com",
                 "--team-name", "Einkauf")
    assert "Created team einkauf" in first and "Created user anna" in first
    user = get_user_model().objects.get(username="anna")
    assert user.check_password("geheim-123")
    snapshot = (user.password, list(Membership.objects.values_list("user__username", "team__slug", "role")))

    second = _run("add_member", "anna", "--team", "einkauf", "--role", "lead", "--email", "anna@example.com")
    user.refresh_from_db()
    assert "Nothing to do" in second
    assert (user.password, list(Membership.objects.values_list("user__username", "team__slug", "role"))) == snapshot
    assert Team.objects.get().name == "Einkauf"


def test_add_member_without_password_says_how_to_set_one(db, monkeypatch):
    monkeypatch.delenv("BULLETIN_PASSWORD", raising=False)
    out = _run("add_member", "mia", "--team", "support", "--role", "agent")
    assert not get_user_model().objects.get(username="mia").has_usable_password()
    assert "changepassword mia" in out


def test_a_user_may_belong_to_several_teams(db):
    _run("add_member", "tom", "--team", "support", "--role", "agent")
    _run("add_member", "tom", "--team", "logistik", "--role", "lead")
    assert set(Membership.objects.values_list("team__slug", "role")) == {("support", "agent"), ("logistik", "lead")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--team", "Not A Slug", "--role", "lead"], "slug"),
        (["x", "--team", "t", "--role", "lead", "--email", "nope"], "valid email"),
    ],
)
def test_add_member_refuses_bad_input_clearly(db, args, message):
    with pytest.raises(CommandError, match=message):
        _run("add_member", *args)
    assert not get_user_model().objects.exists()


def test_seed_demo_is_idempotent(db):
    _run("seed_demo")
    counts = (Team.objects.count(), get_user_model().objects.count(), Change.objects.count())
    assert counts[0] == 4 and counts[2] >= 12
    delivery = Change.objects.get(title__startswith="Neuer Lieferant")
    assert ("5–7 Werktage", "10–14 Werktage") in [(f.old_text, f.new_text) for f in delivery.fact_changes.all()]
    _run("seed_demo")
    assert (Team.objects.count(), get_user_model().objects.count(), Change.objects.count()) == counts
