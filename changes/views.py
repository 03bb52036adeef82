from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from changes import services
from changes.calendar import calendar_build, calendar_changes, calendar_name
from changes.export import changes_csv_lines
from changes.feeds import feed_token_for, feed_token_rotate, feed_user
from changes.filters import ChangeListFilter
from changes.forms import ChangeForm, FactChangeFormSet
from changes.glossary import fact_search_forms, facts_with_search_forms
from changes.languages import language_chosen_by
from changes.models import Category, Team
from changes.panels import panels_render
from changes.permissions import can_acknowledge, can_file, can_manage, can_view, changes_visible_to
from changes.rendering import MARKDOWN_MAX_LENGTH, render_markdown
from changes.selectors import change_history

PAGE_SIZE = 20
# Error texts are translated; without the charset a browser shows umlauts as mojibake.
PLAIN_TEXT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"


def _visible_change_or_404(request, pk):
    change = get_object_or_404(changes_visible_to(request.user).select_related("team", "created_by"), pk=pk)
    if not can_view(request.user, change):  # pragma: no cover - changes_visible_to already narrows
        raise PermissionDenied
    return change


@login_required
def change_list(request):
    queryset = changes_visible_to(request.user).select_related("team").prefetch_related("fact_changes")
    change_filter = ChangeListFilter(request.GET, queryset=queryset)
    # A filter that cannot be read shows its error and no rows: an unfiltered list would look filtered.
    rows = change_filter.qs if change_filter.is_valid() else queryset.none()
    export = request.GET.get("format")
    if export == "csv" and change_filter.is_valid():
        response = StreamingHttpResponse(changes_csv_lines(rows.iterator(chunk_size=500)), content_type=CSV)
        response["Content-Disposition"] = f'attachment; filename="changes-{timezone.localdate().isoformat()}.csv"'
        return response
    if export not in (None, "csv"):
        return HttpResponseBadRequest(_("format: only csv can be exported."), content_type=PLAIN_TEXT)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = query.copy()
    export_query["format"] = "csv"
    return render(
        request,
        "changes/change_list.html",
        {
            "filter": change_filter,
            "page": page,
            "query": query.urlencode(),
            "export_query": export_query.urlencode(),
            "can_file": can_file(request.user),
            "calendar_url": _calendar_url(request.user),
        },
        status=200 if change_filter.is_valid() else 400,
    )


def _calendar_url(user) -> str:
    return f"{settings.SITE_URL}{reverse('changes:calendar')}?token={feed_token_for(user=user).key}"


def _save_form(request, *, change=None):
    """Shared by filing and editing: one form, one fact-change set, one service call."""
    form = ChangeForm(request.POST or None, instance=change, user=request.user)
    initial_facts = (
        [{"old_text": f.old_text, "new_text": f.new_text} for f in change.fact_changes.all()] if change else []
    )
    facts = FactChangeFormSet(request.POST or None, initial=initial_facts, prefix="facts")
    if request.method == "POST" and form.is_valid() and facts.is_valid():
        data = {name: form.cleaned_data[name] for name in form.cleaned_data}
        try:
            if change is None:
                change = services.change_create(user=request.user, data=data, facts=facts.facts())
                messages.success(request, _("Draft saved. Publish it when it is ready."))
            else:
                services.change_update(change=change, user=request.user, data=data, facts=facts.facts())
                messages.success(request, _("Change saved."))
            return redirect(change)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "fact_changes" in error.error_dict:
                for message in error.error_dict.pop("fact_changes"):
                    facts._non_form_errors.extend(message.messages)
            if not hasattr(error, "error_dict") or error.error_dict:
                form.add_error(None, error)
    template = "changes/change_form.html"
    return render(request, template, {"form": form, "facts": facts, "change": change})


@login_required
def change_create(request):
    if not can_file(request.user):
        raise PermissionDenied(_("Only team leads can file changes."))
    return _save_form(request)


@login_required
def change_edit(request, pk):
    change = _visible_change_or_404(request, pk)
    if not can_manage(request.user, change):
        raise PermissionDenied(_("Only leads of the filing team can edit this change."))
    if change.status == change.Status.WITHDRAWN:
        messages.error(request, _("A withdrawn change can no longer be edited."))
        return redirect(change)
    return _save_form(request, change=change)


@login_required
def change_detail(request, pk):
    change = _visible_change_or_404(request, pk)
    return render(
        request,
        "changes/change_detail.html",
        {
            "change": change,
            "facts": facts_with_search_forms(change.fact_changes.all()),
            "history": change_history(change),
            "can_manage": can_manage(request.user, change),
            "can_acknowledge": can_acknowledge(request.user, change),
            "panels": panels_render(change=change, request=request),
        },
    )


def _transition(request, pk, service, success_message):
    change = _visible_change_or_404(request, pk)
    if not can_manage(request.user, change):
        raise PermissionDenied
    try:
        service(change=change, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success_message)
    return redirect(change)


@require_POST
@login_required
def change_publish(request, pk):
    return _transition(request, pk, services.change_publish, _("Published. Support sees it now."))


@require_POST
@login_required
def change_withdraw(request, pk):
    return _transition(request, pk, services.change_withdraw, _("Withdrawn."))


@require_POST
@login_required
def change_acknowledge(request, pk):
    """Support confirms the handover, with an optional note."""
    change = _visible_change_or_404(request, pk)
    try:
        services.change_acknowledge(change=change, user=request.user, note=request.POST.get("note", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Handover confirmed. Thank you."))
    return redirect(change)


@require_POST
@login_required
def markdown_preview(request):
    # Only for people who write changes, and only as much as a change may hold: rendering is the costly part.
    if not can_file(request.user):
        raise PermissionDenied
    text = request.POST.get("text", "")
    if len(text) > MARKDOWN_MAX_LENGTH:
        message = _("At most %(max)s characters.") % {"max": MARKDOWN_MAX_LENGTH}
        return HttpResponseBadRequest(message, content_type=PLAIN_TEXT)
    return HttpResponse(render_markdown(text), content_type="text/html; charset=utf-8")


@require_GET
@login_required
def search_forms_preview(request):
    """The forms a fact change's old wording will be searched in, for the filing form to show as the lead types."""
    if not can_file(request.user):
        raise PermissionDenied
    old, new = request.GET.get("old", "").strip(), request.GET.get("new", "").strip()
    if len(old) > 200 or len(new) > 200:
        return JsonResponse({"old": [_("At most %(max)s characters.") % {"max": 200}]}, status=400)
    forms = [form.old for form in fact_search_forms(old, new)] if old else []
    return JsonResponse({"forms": forms[1:], "label": _("Also finds:")})


@require_POST
@login_required
def feed_token_rotate_view(request):
    feed_token_rotate(user=request.user)
    messages.success(request, _("Your feed links were renewed. Old links no longer work."))
    target = request.POST.get("next", "")
    # Only a path on this site: "changes" or "//elsewhere" go to the list instead.
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = reverse("changes:list")
    return redirect(target)


def change_calendar(request):
    """The change calendar as .ics, for a signed-in user or a calendar app holding the user's feed key."""
    key = request.GET.get("token")
    if key is not None:
        user = feed_user(key=key)
        if user is None:
            return HttpResponseForbidden(_("This calendar link is no longer valid."), content_type=PLAIN_TEXT)
        # A calendar app sends no session and its own Accept-Language: the calendar speaks its owner's language.
        if chosen := language_chosen_by(user):
            translation.activate(chosen)
    elif request.user.is_authenticated:
        user = request.user
    else:
        return redirect_to_login(request.get_full_path())

    team, category = None, request.GET.get("category") or None
    if request.GET.get("team"):
        team = Team.objects.filter(slug=request.GET["team"][:50]).first()
        if team is None:
            return HttpResponseBadRequest(_("team: no team with this slug."), content_type=PLAIN_TEXT)
    if category is not None and category not in Category.values:
        return HttpResponseBadRequest(_("category: not a known category."), content_type=PLAIN_TEXT)

    body = calendar_build(
        changes=calendar_changes(user=user, team=team, category=category),
        name=calendar_name(team=team, category=category),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bulletin.ics"'
    # The URL carries a secret: keep it out of shared caches and the Referer of links.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
