from django import forms
from django.test.html import parse_html

from changes.widgets import LongSelect

CHOICES = [("", "All changes"), (3, "Lieferzeit <neu> & mehr"), (7, "Versand")]


def test_a_long_select_says_what_djangos_select_says():
    for value in (None, "", 3, "7"):
        ours = LongSelect(choices=CHOICES).render("change", value, attrs={"id": "id_change", "required": True})
        django = forms.Select(choices=CHOICES).render("change", value, attrs={"id": "id_change", "required": True})
        assert parse_html(ours) == parse_html(django), value
    assert "&lt;neu&gt; &amp; mehr" in LongSelect(choices=CHOICES).render("change", None)
