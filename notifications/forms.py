from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from notifications.addresses import receiver_url_error
from notifications.models import Subscription
from notifications.subscriptions import (
    KIND_TOPICS,
    NEW_TOPICS,
    SUBSCRIPTION_FILTERS,
    subscription_filter_choices,
    subscription_topic_label,
)

_TARGET_FIELDS = {
    Subscription.Kind.SLACK: lambda: forms.URLField(
        label=_("Slack incoming-webhook URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("In Slack, add the Incoming Webhooks app to the channel and copy its webhook URL."),
    ),
    Subscription.Kind.WEBHOOK: lambda: forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Bulletin POSTs JSON here, signed as Standard Webhooks describes."),
    ),
    Subscription.Kind.EMAIL: lambda: forms.EmailField(label=_("E-mail address"), max_length=500),
}


def _with_current(choices: list[tuple[str, str]], current, label=str) -> list[tuple[str, str]]:
    # A stored value no longer offered (a team since removed) stays on the form, so saving keeps it unless unticked.
    offered = {value for value, _label in choices}
    return choices + [(value, label(value)) for value in current if value not in offered]


class SubscriptionForm(forms.Form):
    """What a subscription sends, and where: the address (not for a person's own e-mail, which goes to their
    address), the topics, and the filters (none ticked lets everything through)."""

    def __init__(self, *args, kind: str, scoped: bool, subscription: Subscription | None = None, **kwargs):
        initial = {"topics": NEW_TOPICS[kind]}
        if subscription is not None:
            initial = {"target": subscription.target, "topics": subscription.topics}
            initial.update({name: getattr(subscription, name) for name in SUBSCRIPTION_FILTERS})
        super().__init__(*args, initial=initial, **kwargs)
        self.kind = kind
        if scoped:
            self.fields["target"] = _TARGET_FIELDS[kind]()
        topics = [(topic, subscription_topic_label(topic)) for topic in KIND_TOPICS[kind]]
        self.fields["topics"] = forms.MultipleChoiceField(
            label=_("What to send"),
            choices=_with_current(topics, initial["topics"] or [], subscription_topic_label),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("Choose at least one thing to send.")},
        )
        for name in SUBSCRIPTION_FILTERS:
            choices = _with_current(subscription_filter_choices(name), initial.get(name) or [])
            if not choices:
                continue  # nothing to pick from (no change has tags yet): the filter stays empty, which is "all"
            self.fields[name] = forms.MultipleChoiceField(
                label=capfirst(Subscription._meta.get_field(name).verbose_name),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Tick none to get all."),
            )

    def clean_target(self):
        target = self.cleaned_data["target"]
        if self.kind in (Subscription.Kind.SLACK, Subscription.Kind.WEBHOOK):
            problem = receiver_url_error(target, kind=self.kind)
            if problem:
                raise forms.ValidationError(problem, code="refused_url")
        return target

    def filters(self) -> dict[str, list[str]]:
        return {name: self.cleaned_data.get(name) or [] for name in SUBSCRIPTION_FILTERS}
