from rest_framework.routers import SimpleRouter

from bulletin.api import DigestViewSet

router = SimpleRouter()
router.register("digests", DigestViewSet, basename="digest")

urlpatterns = router.urls
