import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bulletin.digest.addenda import addendum_context_of, addendum_html
from bulletin.digest.compiling import digest_compile
from bulletin.digest.models import Digest, DigestRead
from bulletin.digest.rendering import digest_headline, sections_for_display
from bulletin.digest.sections import sections_counts, sections_from_json
from bulletin.digest.selectors import digest_agent_reads
from bulletin.permissions import can_see_digest_reads, can_view_flags
from bulletin.weeks import week_label, week_monday
from changes.feeds import feed_token_for


def _current_week() -> str:
    return week_label(timezone.localdate())


def _show(request, week: str):
    try:
        week_monday(week)
    except ValueError:
        raise Http404(_("No such week.")) from None
    digest = Digest.objects.filter(week=week).first()
    if digest is None and week == _current_week():
        # Reading never compiles or writes: the week is compiled by beat, the command or a staff member here.
        previous = Digest.objects.filter(monday__lt=week_monday(week)).order_by("-monday").first()
        return render(request, "bulletin/digest_pending.html", {"week": week, "previous": previous})
    if digest is None:
        raise Http404(_("No digest for this week."))
    context = {
        "digest": digest,
        "headline": digest_headline(monday=digest.monday, compiled_at=digest.compiled_at),
        "sections": sections_for_display(sections_from_json(digest.sections)),
        "digest_url": digest.get_absolute_url(),
        # In the reader's language, from what changed: the stored HTML is in the service's.
        "addenda": [
            {"addendum": a, "html": addendum_html(addendum_context_of(a))}
            for a in digest.addenda.all()
            if a.diff.get("fields")
        ],
        "read": DigestRead.objects.filter(digest=digest, user=request.user).first(),
        "is_current": week == _current_week(),
    }
    if can_see_digest_reads(request.user):
        context["agent_reads"] = digest_agent_reads(digest=digest)
    return render(request, "bulletin/digest_detail.html", context)


def digest_reader_required(view):
    """Signed in and on a team (or staff): the digest lists flagged support texts, which are theirs to see."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_view_flags(request.user):
            raise PermissionDenied(_("The digest is for team members and staff."))
        return view(request, *args, **kwargs)

    return wrapped


@digest_reader_required
def digest_current(request):
    return _show(request, _current_week())


@digest_reader_required
def digest_week(request, week):
    return _show(request, week)


@digest_reader_required
def digest_archive(request):
    digests = list(Digest.objects.only("week", "monday", "revision", "compiled_at", "sections"))
    read = set(DigestRead.objects.filter(user=request.user).values_list("digest_id", flat=True))
    rows = [
        {"digest": d, "counts": sections_counts(sections_from_json(d.sections)), "read": d.pk in read}
        for d in digests
    ]
    # SITE_URL, as for the calendar link: the address people reach the service by, not this request's host.
    token = urlencode({"token": feed_token_for(user=request.user).key})
    feed_url = f"{settings.SITE_URL}{reverse('bulletin:digest-feed')}?{token}"
    return render(request, "bulletin/digest_archive.html", {"rows": rows, "feed_url": feed_url})


@digest_reader_required
@require_POST
def digest_mark_read(request, week):
    digest = get_object_or_404(Digest, week=week)
    if not request.user.is_active:
        raise PermissionDenied
    DigestRead.objects.get_or_create(digest=digest, user=request.user)
    messages.success(request, _("Marked as read."))
    return redirect(digest)


@require_POST
@login_required
def digest_compile_now(request):
    """Staff compile this week's digest ahead of Monday's run; it is not sent (beat or the command send it)."""
    if not request.user.is_staff:
        raise PermissionDenied(_("Only staff can compile the digest."))
    digest = digest_compile(week=_current_week()).digest
    messages.success(request, _("This week's digest is compiled. It goes out with Monday's run."))
    return redirect(digest.get_absolute_url())
