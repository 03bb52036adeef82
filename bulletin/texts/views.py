from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bulletin.permissions import can_dismiss_flags, can_view_flags
from bulletin.texts.filters import FlagFilter
from bulletin.texts.flags import flag_dismiss
from bulletin.texts.forms import FlagDismissForm
from bulletin.texts.models import Flag
from bulletin.texts.selectors import (
    flag_body_highlighted,
    flag_counts,
    flag_proposal_diff,
    flags_in_queue_order,
    flags_readable_by,
    flags_spots_attach,
    flags_visible_to,
)
from changes.api.pagination import IdsFirstPaginator

PAGE_SIZE = 50


def _check_view(user):
    if not can_view_flags(user):
        raise PermissionDenied(_("Only team members see flags."))


@login_required
def flag_list(request):
    _check_view(request.user)
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = "open"  # the queue: what still needs doing
    # Filtered and sorted without joins, the page's ids first; then their rows with all the page shows.
    queryset = flags_in_queue_order(flags_readable_by(request.user), one_status=bool(data["status"]))
    flag_filter = FlagFilter(data, queryset=queryset)
    without_status = data.copy()
    without_status["status"] = ""
    counted = FlagFilter(without_status, queryset=flags_readable_by(request.user))
    # A filter that cannot be read shows its error and no rows: an unfiltered queue would look filtered.
    valid = flag_filter.is_valid()
    counts = flag_counts(counted.qs if valid else queryset.none())
    # The counts are the filter's rows by status: the page's row count is one of them (or their sum).
    status = flag_filter.form.cleaned_data.get("status") if valid else ""
    count = counts[status] if status else counts["resolved"] + counts["dismissed"] + counts["open"]
    rows = flags_visible_to(request.user)
    page = IdsFirstPaginator(
        flag_filter.qs if valid else queryset.none(), PAGE_SIZE, count=count, rows=lambda ids: rows.filter(pk__in=ids)
    ).get_page(request.GET.get("page"))
    page.object_list = flags_spots_attach(page.object_list)  # the excerpts
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "bulletin/flag_list.html",
        # Counts of a filter that cannot be read would be zeros that were never counted.
        {"filter": flag_filter, "page": page, "counts": counts if valid else None, "query": query.urlencode()},
        status=200 if valid else 400,
    )


def _flag(request, pk) -> Flag:
    # With its text's body, which lists leave out: the page shows it with the spot.
    return get_object_or_404(flags_visible_to(request.user).defer(None), pk=pk)


def _flag_page(request, flag, form):
    return render(
        request,
        "bulletin/flag_detail.html",
        {
            "flag": flag,
            "body": flag_body_highlighted(flag),
            "diff": flag_proposal_diff(flag),
            "form": form,
            "can_dismiss": can_dismiss_flags(request.user) and flag.status == flag.Status.OPEN,
        },
        status=400 if form.errors else 200,
    )


@login_required
def flag_detail(request, pk):
    _check_view(request.user)
    return _flag_page(request, _flag(request, pk), FlagDismissForm())


@require_POST
@login_required
def flag_dismiss_view(request, pk):
    _check_view(request.user)
    flag = _flag(request, pk)
    if not can_dismiss_flags(request.user):
        raise PermissionDenied(_("Only support agents and staff dismiss flags."))
    form = FlagDismissForm(request.POST)
    if form.is_valid():
        try:
            flag_dismiss(flag=flag, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if any(e.code == "not_open" for e in error.error_dict.get("reason", [])):
                # Someone else closed it meanwhile; the form is gone from its page, so say it there.
                messages.error(request, _("This flag is no longer open."))
                return redirect(flag)
            for message in error.message_dict.get("reason", error.messages):
                form.add_error("reason", message)
        else:
            messages.success(request, _("Flag dismissed."))
            return redirect(flag)
    return _flag_page(request, flag, form)
