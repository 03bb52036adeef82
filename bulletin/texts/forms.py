from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bulletin.texts.importing import support_text_source_clean
from bulletin.texts.reading import format_choices


class FlagDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this text not affected?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. “not affected: this macro is about B2B customers”"),
        error_messages={"required": _("Say why this text is not affected.")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented way: the widget allows it, clean takes the list)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(item, initial) for item in data] or single_file_clean(None, initial)
        return [single_file_clean(data, initial)]


class SupportTextImportForm(forms.Form):
    """The import page's form; the same choices as `import_support_texts` (file, --source, --format, --base-url)."""

    file = MultipleFileField(
        label=_("Files"),
        help_text=_("Help-desk exports, CSV, JSON Lines or JSON; several pages of one export or a .zip of them."),
        error_messages={"required": _("Choose at least one file.")},
    )
    source = forms.CharField(
        label=_("Source"),
        initial="zendesk",
        max_length=50,
        help_text=_("Where the texts come from, e.g. zendesk. A second import of the same source updates its texts."),
    )
    format = forms.ChoiceField(label=_("Format"), required=False, help_text=_("Detected from each file when empty."))
    base_url = forms.URLField(
        label=_("Help desk address"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("e.g. https://acme.zendesk.com, to link texts back where the export does not say it."),
    )

    # The files last: the browser sends fields in this order, and a refused oversize upload keeps what came before.
    field_order = ["source", "format", "base_url", "file"]

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["format"].choices = [("", _("Detect")), *format_choices()]

    def clean_file(self):
        files = self.cleaned_data["file"]
        if sum(upload.size for upload in files) > self.max_bytes:
            raise forms.ValidationError(
                _("The files are larger than %(limit)s MB together.") % {"limit": self.max_bytes // (1024 * 1024)}
            )
        return files

    def clean_source(self):
        try:
            return support_text_source_clean(self.cleaned_data["source"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["source"]) from None
