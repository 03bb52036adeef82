"""The admin is branded Bulletin and shows the JSON lists (channels, tags, subscription filters) as lists."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from notifications.models import Subscription

pytestmark = pytest.mark.django_db


def _form_data(page, **changes):
    """What the admin page's form would post as it stands, with `changes` typed over it."""
    form = page.context["adminform"].form
    data = {}
    for field in form:
        value = field.field.prepare_value(field.value())
        if value is not None:
            data[field.html_name] = value
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({field.html_name: field.value() for field in management})
    return {**data, **changes}


def test_the_admin_is_branded_bulletin(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>Bulletin&#x27;s data | Bulletin admin</title>" in page
    assert "Bulletin administration" in page and "<h1>Bulletin&#x27;s data</h1>" in page
    assert "Django" not in page


def test_the_change_list_shows_channels_by_name_and_tags_joined(admin_client, make_change, team):
    make_change(team=team, channels=["email", "chat"], tags=["winter", "dhl"])
    page = admin_client.get(reverse("admin:changes_change_changelist")).content.decode()
    assert '<td class="field-channel_list">E-mail, Chat</td>' in page
    assert '<td class="field-tag_list">winter, dhl</td>' in page
    assert "[&quot;" not in page


def test_a_draft_edits_channels_as_checkboxes_and_tags_as_one_text(admin_client, make_change, team):
    draft = make_change(team=team, channels=["email", "chat"], tags=["winter", "dhl"])
    url = reverse("admin:changes_change_change", args=[draft.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert 'type="checkbox" name="channels" value="email"' in html and 'value="phone"' in html
    assert 'name="tags" value="winter, dhl"' in html

    response = admin_client.post(url, _form_data(page, channels=["phone", "bot"], tags=" b2c, winter ,, b2c"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert (draft.channels, draft.tags) == (["phone", "bot"], ["b2c", "winter"])


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"channels": []}, "channels", "Choose at least one channel."),
        ({"channels": ["fax"]}, "channels", "Select a valid choice."),
        ({"tags": "winter, " + "x" * 51}, "tags", "A tag may have at most 50 characters."),
        ({"tags": "winter\ndhl"}, "tags", "Write this on one line"),
    ],
)
def test_bad_lists_are_a_form_error_beside_the_field(admin_client, make_change, team, changes, field, message):
    draft = make_change(team=team, channels=["email"], tags=["winter"])
    url = reverse("admin:changes_change_change", args=[draft.pk])
    response = admin_client.post(url, _form_data(admin_client.get(url), **changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and message in errors[field][0]
    draft.refresh_from_db()
    assert (draft.channels, draft.tags) == (["email"], ["winter"])


def test_a_published_change_shows_its_lists_joined_not_as_json(admin_client, make_change, team):
    published = make_change(team=team, status="published", channels=["email", "bot"], tags=["dhl"])
    page = admin_client.get(reverse("admin:changes_change_change", args=[published.pk])).content.decode()
    assert '<div class="readonly">E-mail, Chatbot</div>' in page and '<div class="readonly">dhl</div>' in page
    assert "[&quot;" not in page and 'name="channels"' not in page


@pytest.fixture
def subscription():
    return Subscription.objects.create(
        kind="webhook", target="https://hooks.example.com/bulletin", topics=["digest", "addendum"],
        teams=["einkauf"], channels=["email", "chat"], tags=[],
    )


def test_the_subscription_list_shows_topics_and_filters_joined(admin_client, subscription):
    page = admin_client.get(reverse("admin:notifications_subscription_changelist")).content.decode()
    cells = {
        "topic_list": "digest, addendum", "team_list": "einkauf", "channel_list": "email, chat",
        "category_list": "all", "tag_list": "all",  # an empty filter lets everything through
    }
    for column, text in cells.items():
        assert f'<td class="field-{column}">{text}</td>' in page
    assert "[&quot;" not in page


def test_a_subscription_edits_its_lists_as_comma_separated_text(admin_client, subscription):
    url = reverse("admin:notifications_subscription_change", args=[subscription.pk])
    page = admin_client.get(url)
    assert 'name="topics" value="digest, addendum"' in page.content.decode()

    data = _form_data(page, topics="digest", teams="einkauf, logistik", categories="", tags="b2c, b2c")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    subscription.refresh_from_db()
    assert subscription.topics == ["digest"] and subscription.teams == ["einkauf", "logistik"]
    assert (subscription.categories, subscription.channels, subscription.tags) == ([], ["email", "chat"], ["b2c"])


def test_a_subscription_word_on_two_lines_is_a_form_error(admin_client, subscription):
    url = reverse("admin:notifications_subscription_change", args=[subscription.pk])
    response = admin_client.post(url, _form_data(admin_client.get(url), teams="einkauf\rlogistik"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["teams"] and "on one line" in errors["teams"][0]
    subscription.refresh_from_db()
    assert subscription.teams == ["einkauf"]


def test_a_view_only_subscription_shows_its_lists_joined(client, make_user, subscription):
    viewer = make_user("viewer", staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_subscription"))
    client.force_login(viewer)
    page = client.get(reverse("admin:notifications_subscription_change", args=[subscription.pk])).content.decode()
    assert '<div class="readonly">digest, addendum</div>' in page and '<div class="readonly">all</div>' in page
    assert "[&quot;" not in page and 'name="topics"' not in page
