from rest_framework.routers import SimpleRouter

from changes.api.views import ChangeViewSet, TeamViewSet

app_name = "api"

router = SimpleRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("changes", ChangeViewSet, basename="change")

urlpatterns = router.urls
