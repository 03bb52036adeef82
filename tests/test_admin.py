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
