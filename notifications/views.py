from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.models import Subscription
from notifications.subscriptions import subscription_email_set, subscriptions_for_display
from notifications.unsubscribe import subscription_of_token, subscription_unsubscribe


@login_required
def email_subscription(request):
    """Where a user unsubscribes from (or back to) the e-mailed digest and addenda."""
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
        return redirect("notifications:email")
    subscriptions = Subscription.objects.filter(user=request.user).order_by("kind", "target")
    subscribed = subscriptions.filter(kind=Subscription.Kind.EMAIL, active=True).exists()
    return render(
        request,
        "notifications/email_subscription.html",
        {"subscriptions": subscriptions_for_display(subscriptions), "subscribed": subscribed},
    )


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
