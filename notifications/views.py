from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications.forms import SubscriptionForm
from notifications.models import Subscription
from notifications.probe import subscription_test_send
from notifications.subscriptions import (
    PERSONAL_KINDS,
    SCOPE_KINDS,
    subscription_create,
    subscription_delete,
    subscription_email_set,
    subscription_scopes_of,
    subscription_secret_renew,
    subscription_switch,
    subscription_update,
    subscriptions_for_display,
    subscriptions_managed_by,
    subscriptions_page,
)
from notifications.unsubscribe import subscription_of_token, subscription_unsubscribe


@login_required
def subscriptions(request):
    """Every subscription the user manages: their own e-mail (switched off and on here all at once, too) and the
    Slack channels and webhooks of the scopes they manage (a team's, for its leads). Also at /notifications/email/,
    where e-mails and older pages link."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in {"subscribe", "unsubscribe"}:
            message = _("Choose subscribe or unsubscribe.")
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        subscription = subscription_email_set(user=request.user, active=action == "subscribe")
        if action == "unsubscribe":
            messages.success(request, _("You will no longer get the digest by e-mail."))
        elif subscription is None or not subscription.active:
            messages.error(request, _("Your account has no e-mail address to send the digest to."))
        else:
            messages.success(request, _("You will get the digest by e-mail."))
        return redirect(request.path)
    return render(request, "notifications/subscriptions.html", subscriptions_page(user=request.user))


def _managed(request, pk: int) -> tuple[Subscription, dict[str, str]]:
    """The subscription if the user manages it, and the scopes they manage; someone else's is not there (404)."""
    scopes = subscription_scopes_of(user=request.user)
    subscription = subscriptions_managed_by(user=request.user, scopes=scopes).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription, scopes


def _back(subscription: Subscription) -> str:
    return f"{reverse('notifications:index')}#subscription-{subscription.pk}"


def _form_page(request, form, *, subscription=None, scope_label="", status=200):
    context = {"form": form, "subscription": subscription, "kind": form.kind, "scope_label": scope_label}
    return render(request, "notifications/subscription_form.html", context, status=status)


# A webhook's new secret waits in the (server-side) session for the one page that shows it: reloading that page, or
# the POST that made it, neither shows it again nor makes a second webhook.
SHOWN_SECRET = "notifications.secret"


def _show_secret_once(request, subscription: Subscription, *, made: bool):
    request.session[SHOWN_SECRET] = {"pk": subscription.pk, "secret": subscription.secret, "made": made}
    return redirect("notifications:secret", subscription.pk)


def _bound(request):
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def subscription_new(request, kind):
    """A new e-mail subscription of one's own, or (?scope=…) a Slack channel or webhook of a scope one manages."""
    scope = request.GET.get("scope", "")
    scopes = subscription_scopes_of(user=request.user)
    if (scope and (scope not in scopes or kind not in SCOPE_KINDS)) or (not scope and kind not in PERSONAL_KINDS):
        raise Http404
    if not scope and not request.user.email:
        messages.error(request, _("Your account has no e-mail address to send the digest to."))
        return redirect("notifications:index")
    form = SubscriptionForm(_bound(request), kind=kind, scoped=bool(scope))
    if request.method == "POST" and form.is_valid():
        subscription = subscription_create(
            user=request.user, kind=kind, scope=scope, target=form.cleaned_data.get("target", ""),
            topics=form.cleaned_data["topics"], filters=form.filters(),
        )
        if kind == Subscription.Kind.WEBHOOK:
            return _show_secret_once(request, subscription, made=True)
        messages.success(request, _("Saved. Send a test message to see that it arrives.") if scope else _("Saved."))
        return redirect(_back(subscription))
    return _form_page(request, form, scope_label=scopes.get(scope, ""), status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, pk):
    subscription, scopes = _managed(request, pk)
    form = SubscriptionForm(
        _bound(request), kind=subscription.kind, scoped=bool(subscription.scope), subscription=subscription
    )
    if request.method == "POST" and form.is_valid():
        subscription_update(
            subscription=subscription, topics=form.cleaned_data["topics"], filters=form.filters(),
            target=form.cleaned_data.get("target"),
        )
        messages.success(request, _("Saved."))
        return redirect(_back(subscription))
    scope_label = scopes.get(subscription.scope, "")
    return _form_page(
        request, form, subscription=subscription, scope_label=scope_label, status=400 if form.errors else 200
    )


@login_required
@require_POST
def subscription_switch_view(request, pk):
    subscription, _scopes = _managed(request, pk)
    active = request.POST.get("active")
    if active not in {"on", "off"}:
        return HttpResponseBadRequest(_("Choose on or off."), content_type="text/plain; charset=utf-8")
    subscription_switch(subscription=subscription, active=active == "on")
    messages.success(request, _("Switched on.") if active == "on" else _("Switched off: nothing more is sent."))
    return redirect(_back(subscription))


@login_required
@require_POST
def subscription_delete_view(request, pk):
    subscription, _scopes = _managed(request, pk)
    subscription_delete(subscription=subscription)
    messages.success(request, _("Deleted: %(target)s gets nothing more.") % {"target": subscription.target})
    return redirect("notifications:index")


@login_required
@require_POST
def subscription_test(request, pk):
    """Send a test message now and show how the receiver answered."""
    subscription, _scopes = _managed(request, pk)
    if subscription.kind not in SCOPE_KINDS:
        raise Http404
    answer = subscription_test_send(subscription=subscription, user=request.user)
    values = {"status": answer.status_code, "text": answer.text or "—"}
    if answer.status_code is None:
        messages.error(request, _("Test message not delivered: no answer (%(text)s).") % values)
    elif answer.ok:
        messages.success(request, _("Test message delivered: the receiver answered HTTP %(status)s: %(text)s") % values)
    else:
        messages.error(request, _("Test message refused: the receiver answered HTTP %(status)s: %(text)s") % values)
    return redirect(_back(subscription))


@login_required
@require_http_methods(["GET", "POST"])
def subscription_secret(request, pk):
    """A webhook's signing secret, shown once after it was made; POST makes a new one."""
    subscription, _scopes = _managed(request, pk)
    if subscription.kind != Subscription.Kind.WEBHOOK:
        raise Http404
    if request.method == "POST":
        subscription_secret_renew(subscription=subscription)
        return _show_secret_once(request, subscription, made=False)
    shown = request.session.get(SHOWN_SECRET) or {}
    if shown.get("pk") == subscription.pk:
        del request.session[SHOWN_SECRET]
    else:
        shown = {}
    context = {"subscription": subscription, "secret": shown.get("secret"), "made": shown.get("made")}
    return render(request, "notifications/webhook_secret.html", context)


# No login and no cookie: a mail client POSTs here on its own (RFC 8058), and the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request, token):
    """GET asks to confirm with one button (a link scanner that follows links must not unsubscribe anyone);
    POST ends that one subscription and answers 200."""
    subscription = subscription_of_token(token)
    if subscription is None:
        context = {"invalid": True}
        return render(request, "notifications/unsubscribe.html", context, status=400)
    done = request.method == "POST"
    if done:
        subscription_unsubscribe(subscription)
    context = {"subscription": subscription, "done": done, "topics": subscriptions_for_display([subscription])}
    return render(request, "notifications/unsubscribe.html", context)
