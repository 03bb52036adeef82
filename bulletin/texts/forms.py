from django import forms
from django.utils.translation import gettext_lazy as _


class FlagDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this text not affected?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. “not affected: this macro is about B2B customers”"),
        error_messages={"required": _("Say why this text is not affected.")},
    )
