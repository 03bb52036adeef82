import asyncio
from http import HTTPStatus

from django.http import JsonResponse
from health_check.views import HealthCheckView

from bulletin.health.checks import health_checks, health_report


class HealthView(HealthCheckView):
    """/health/ for monitors: JSON, 200 when every check passes, 503 naming those that fail. No login: it tells
    nothing but how the service is (no address, credential or personal data). Never cached (the library's
    dispatch says so).

    The library answers 500 and in the format Accept asks for (HTML for */*); a monitor reads the status code, and
    503 is what "unavailable" means to it and to load balancers.
    """

    def get_checks(self):
        return health_checks()

    async def get(self, request, *args, **kwargs):
        # As the library's get: synchronous checks in its thread pool, the others on the event loop.
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        report = health_report(results)
        return JsonResponse(report, status=HTTPStatus.SERVICE_UNAVAILABLE if report["failing"] else HTTPStatus.OK)
