import re

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 200


class _KnownCountPaginator(Paginator):
    """A Paginator that takes the row count from the caller instead of asking the database again."""

    def __init__(self, *args, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = count

    @cached_property
    def count(self):
        if self._known_count is not None:
            return self._known_count
        return super().count


class ChangePagination(PageNumberPagination):
    """`page` and `page_size` (1–200, default 50); a malformed page_size is a 400, a page past the end a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {"page_size": [_("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]}
            )
        return size

    def get_page_number(self, request, paginator):
        # DRF reads an empty page as page 1 and accepts "last"; the schema promises a whole number ≥ 1.
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
            raise ValidationError({"page": [_("Enter a whole number from 1 up.")]})
        return raw

    def paginate_queryset(self, queryset, request, view=None, *, count=None):
        self.django_paginator_class = lambda *args, **kwargs: _KnownCountPaginator(*args, count=count, **kwargs)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": 999_999_999})  # get_page_number's nine digits
        return parameters
