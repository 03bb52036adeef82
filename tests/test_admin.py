"""Staff manage every model of Bulletin in the Django admin."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

OUR_APPS = {"changes", "bulletin", "notifications"}


def _our_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]


@pytest.mark.parametrize("model", _our_models(), ids=lambda model: model._meta.label)
def test_every_model_has_an_admin_page_that_opens(admin_client, model):
    if not admin.site.is_registered(model):
        # A model edited inline on its parent's page is covered there.
        parents = [
            registered
            for registered, model_admin in admin.site._registry.items()
            if any(inline.model is model for inline in model_admin.inlines)
        ]
        assert parents, f"{model._meta.label} is neither in the admin nor inline on a parent"
        return
    info = (model._meta.app_label, model._meta.model_name)
    assert admin_client.get(reverse("admin:%s_%s_changelist" % info)).status_code == 200
    # Some models (delivery logs) are read-only in the admin: their add page is refused, not broken.
    assert admin_client.get(reverse("admin:%s_%s_add" % info)).status_code in {200, 403}


@pytest.mark.django_db
def test_the_admin_cannot_publish_or_edit_what_support_already_sees(admin_client, make_change, team):
    draft = make_change(team=team, title="Entwurf")
    published = make_change(team=team, status="published", title="Live", facts=[("5–7 Werktage", "10–14 Werktage")])
    draft_page = admin_client.get(reverse("admin:changes_change_change", args=[draft.pk])).content.decode()
    assert 'name="title"' in draft_page and 'name="status"' not in draft_page
    response = admin_client.post(
        reverse("admin:changes_change_change", args=[published.pk]), {"title": "Umbenannt", "status": "draft"}
    )
    assert response.status_code == 403
    published.refresh_from_db()
    assert (published.title, published.status) == ("Live", "published")


@pytest.mark.django_db
def test_the_admin_cannot_resolve_a_flag_by_hand(admin_client, make_change, team):
    from bulletin.models import Flag, SupportText
    from bulletin.texts.flags import flags_scan_change

    change = make_change(team=team, status="published", facts=[("5–7 Werktage", "10–14 Werktage")])
    SupportText.objects.create(kind="macro", title="M", body="5–7 Werktage", source="z", external_id="1")
    flags_scan_change(change_id=change.pk)
    flag = Flag.objects.get()
    response = admin_client.post(reverse("admin:bulletin_flag_change", args=[flag.pk]), {"status": "resolved"})
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == "open"
