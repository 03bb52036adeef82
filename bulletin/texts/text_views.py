"""The support-text pages (/texts/): the list, a text's own page, and the import page with its runs."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from bulletin.permissions import can_import_support_texts, can_view_flags
from bulletin.texts.filters import SupportTextListFilter
from bulletin.texts.forms import SupportTextImportForm
from bulletin.texts.import_runs import import_run_start, import_run_summary
from bulletin.texts.importing import position_label
from bulletin.texts.models import HelpdeskSync, ImportRun, SupportText
from bulletin.texts.reading import format_label
from bulletin.texts.selectors import support_text_body_html, support_text_flags, support_texts_with_open_flags

PAGE_SIZE = 50
RECENT_RUNS = 20


def _check_read(user):
    # Texts are read by those who read their flags: team members and staff.
    if not can_view_flags(user):
        raise PermissionDenied(_("Only team members and staff see support texts."))


def _check_import(user):
    if not can_import_support_texts(user):
        raise PermissionDenied(_("Only staff and the leads of support teams import support texts."))


@login_required
def text_list(request):
    _check_read(request.user)
    queryset = support_texts_with_open_flags().order_by("title", "id")
    text_filter = SupportTextListFilter(request.GET, queryset=queryset)
    # A filter that cannot be read shows its error and no rows: an unfiltered list would look filtered.
    valid = text_filter.is_valid()
    page = Paginator(text_filter.qs if valid else queryset.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "bulletin/text_list.html",
        {
            "filter": text_filter,
            "page": page,
            "query": query.urlencode(),
            "can_import": can_import_support_texts(request.user),
        },
        status=200 if valid else 400,
    )


@login_required
def text_detail(request, pk):
    _check_read(request.user)
    text = get_object_or_404(SupportText.objects.select_related("owner_team"), pk=pk)
    return render(
        request,
        "bulletin/text_detail.html",
        {
            "text": text,
            "body": support_text_body_html(text),
            "flags": support_text_flags(text=text, user=request.user),
        },
    )


class _UploadLimit(FileUploadHandler):
    """Stops reading an upload once it passes IMPORT_MAX_UPLOAD_MB, instead of first writing it all to disk."""

    def __init__(self, request, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=False)  # reads the rest of the request and drops it
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def _max_upload_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


# The CSRF check reads the body, after which the upload handlers cannot change; the permission and the
# size limit come first, then csrf_protect checks the token (Django's documented way for upload handlers).
@csrf_exempt
@login_required
def import_page(request):
    _check_import(request.user)
    limit = _UploadLimit(request, max_bytes=_max_upload_bytes())
    if request.method == "POST":
        request.upload_handlers.insert(0, limit)
    return _import_page(request, limit)


@csrf_protect
def _import_page(request, limit: _UploadLimit):
    form = SupportTextImportForm(max_bytes=_max_upload_bytes())
    if request.method == "POST":
        form = SupportTextImportForm(request.POST, request.FILES, max_bytes=_max_upload_bytes())
        if limit.exceeded:
            # Parsing stopped at the files: say only that they are too big (the fields before them are kept).
            form.full_clean()
            form._errors.clear()
            form.add_error(
                "file",
                _("The files are larger than %(limit)s MB together.") % {"limit": settings.IMPORT_MAX_UPLOAD_MB},
            )
        elif form.is_valid():
            try:
                run = import_run_start(
                    user=request.user,
                    uploaded_files=form.cleaned_data["file"],
                    source=form.cleaned_data["source"],
                    format=form.cleaned_data["format"],
                    base_url=form.cleaned_data["base_url"],
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                return redirect(run)
    return render(
        request,
        "bulletin/import_form.html",
        {
            "form": form,
            "runs": ImportRun.objects.select_related("started_by")[:RECENT_RUNS],
            "syncs": HelpdeskSync.objects.order_by("helpdesk") if request.user.is_staff else None,
            "max_mb": settings.IMPORT_MAX_UPLOAD_MB,
        },
        status=400 if form.errors else 200,
    )


def _run_for(request, pk) -> ImportRun:
    """The run, for the person who started it, staff and support leads; 403 for everyone else."""
    run = get_object_or_404(ImportRun.objects.select_related("started_by"), pk=pk)
    if run.started_by_id != request.user.pk:
        _check_import(request.user)
    return run


@login_required
@require_GET
def import_detail(request, pk):
    run = _run_for(request, pk)
    return render(
        request,
        "bulletin/import_detail.html",
        {
            "run": run,
            "summary": import_run_summary(run) if run.status == ImportRun.Status.DONE else [],
            "rejected": [(position_label(position), errors) for position, errors in run.rejected],
            "format_label": format_label(run.format) if run.format else "",
        },
    )


@login_required
@require_GET
def import_status(request, pk):
    """What the progress bar polls: small, and never cached."""
    run = _run_for(request, pk)
    response = JsonResponse(
        {
            "status": run.status,
            "finished": run.finished,
            "percent": run.percent,
            "bytes_read": run.bytes_read,
            "bytes_total": run.bytes_total,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "rejected": len(run.rejected),
        }
    )
    response["Cache-Control"] = "no-store"
    return response
