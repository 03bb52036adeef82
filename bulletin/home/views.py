from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from bulletin.home.selectors import RECENTLY_ENDED_DAYS, UPCOMING_DAYS, home_for
from bulletin.permissions import can_view_flags


@login_required
def home(request):
    return render(
        request,
        "bulletin/home.html",
        {
            "home": home_for(request.user, timezone.localdate()),
            "can_view_flags": can_view_flags(request.user),
            "upcoming_days": UPCOMING_DAYS,
            "ended_days": RECENTLY_ENDED_DAYS,
        },
    )
