from django import forms
from django.utils.translation import gettext_lazy as _

from changes.models import Category, Change, Channel, validate_single_line
from changes.permissions import teams_user_may_file_for


class TagsField(forms.CharField):
    """Free tags typed as "winter, dhl, b2c"; stored as a list."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        tags = []
        for tag in text.split(","):
            tag = tag.strip()
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def validate(self, value):
        if any(len(tag) > 50 for tag in value):
            raise forms.ValidationError(_("A tag may have at most 50 characters."), code="max_length")
        for tag in value:
            validate_single_line(tag)


class ChangeListsForm(forms.ModelForm):
    """A change's JSON lists as a person edits them: channels as checkboxes, tags as "winter, dhl". Shared by the
    filing form and the admin; the model's validators still run on the lists."""

    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one channel.")},
    )
    tags = TagsField(label=_("Tags"), required=False, help_text=_("Separated by commas."))


class ChangeForm(ChangeListsForm):
    class Meta:
        model = Change
        fields = [
            "title",
            "team",
            "category",
            "severity",
            "effective_from",
            "effective_until",
            "channels",
            "customer_impact",
            "support_guidance",
            "tags",
        ]
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "customer_impact": forms.Textarea(attrs={"rows": 5, "data-markdown": "true"}),
            "support_guidance": forms.Textarea(attrs={"rows": 5, "data-markdown": "true"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A prompt instead of Django's "---------": the lead chooses; nothing is chosen for them.
        self.fields["category"].choices = [("", _("Choose a category…")), *Category.choices]
        self.fields["team"].empty_label = _("Choose a team…")
        teams = teams_user_may_file_for(user)
        self.fields["team"].queryset = teams
        if not self.instance.pk and teams.count() == 1:
            self.fields["team"].initial = teams.first()


class FactChangeForm(forms.Form):
    old_text = forms.CharField(
        label=_("Old wording"), max_length=200, required=False, validators=[validate_single_line]
    )
    new_text = forms.CharField(
        label=_("New wording"), max_length=200, required=False, validators=[validate_single_line]
    )

    def clean(self):
        cleaned = super().clean()
        old_text = (cleaned.get("old_text") or "").strip()
        new_text = (cleaned.get("new_text") or "").strip()
        if self.cleaned_data.get("DELETE") or not (old_text or new_text):
            return cleaned
        if not old_text and "old_text" not in self.errors:  # too long is reason enough; it was given
            self.add_error("old_text", _("Say which wording is no longer true."))
        elif old_text == new_text:
            self.add_error("new_text", _("The new wording must differ from the old one."))
        return cleaned


class BaseFactChangeFormSet(forms.BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            old_text = (form.cleaned_data.get("old_text") or "").strip()
            if old_text and old_text in seen:
                form.add_error("old_text", _("This old wording is already listed."))
            seen.add(old_text)

    def facts(self) -> list[tuple[str, str]]:
        """The rows the user kept, in their order, skipping empty ones."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("DELETE"):
                continue
            old_text = (data.get("old_text") or "").strip()
            new_text = (data.get("new_text") or "").strip()
            if old_text or new_text:
                rows.append((old_text, new_text))
        return rows


FactChangeFormSet = forms.formset_factory(
    FactChangeForm, formset=BaseFactChangeFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)

