"""A help desk's REST API on 127.0.0.1, for tests and benches of the live sync (bulletin/texts/syncing.py).

HelpdeskServer is the HTTP part: it checks basic auth, records every request
(path, query, headers, monotonic time), answers scripted faults first
(`fail_next`) and can hold a request until released. FakeZendesk and FakeFreshdesk
answer on it in the shapes their vendors document (tests/bulletin/fixtures/helpdesk/
SOURCES.md), from lists of items a test may change between syncs, at most
`page_size` items a page.
"""

import base64
import copy
import datetime
import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).resolve().parent / "bulletin" / "fixtures" / "helpdesk"


def fixture(name: str):
    """A copy of one documented-shape fixture (zendesk-macros.json, …), safe to change."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived
    status: int = 0


class HelpdeskServer:
    """A ThreadingHTTPServer on a free port; `routes` maps a path to a function of the request giving an Answer."""

    def __init__(self, *, user: str, password: str):
        self.expected_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.routes: dict[str, Callable[[Seen], Answer]] = {}
        self.faults: dict[str, list[Answer]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.hold_path: str | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                request = Seen(path=parts.path, query=query, headers=dict(self.headers), at=time.monotonic())
                answer = server.answer(request)
                request.status = answer.status
                body = json.dumps(answer.body).encode() if answer.body is not None else b""
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, request: Seen) -> Answer:
        with self.lock:
            self.seen.append(request)
            fault = self.faults.get(request.path, [])
            scripted = fault.pop(0) if fault else None
        if request.path == self.hold_path:
            self.arrived.set()
            self.release.wait(30)
        if scripted is not None:
            return scripted
        if request.headers.get("Authorization") != self.expected_auth:
            return Answer(401, {"error": "Couldn't authenticate you"})
        route = self.routes.get(request.path)
        return route(request) if route else Answer(404, {"error": "InvalidEndpoint"})

    def fail_next(self, path: str, *answers: Answer) -> None:
        """The next requests to `path` get these answers, one each, before the real one."""
        with self.lock:
            self.faults.setdefault(path, []).extend(answers)

    def requests_to(self, path: str) -> list[Seen]:
        with self.lock:
            return [request for request in self.seen if request.path == path]

    def close(self) -> None:
        self.release.set()
        self.http.shutdown()
        self.http.server_close()


OFFSET_LIMIT = 10_000


def _page(request: Seen, page_size: int) -> tuple[int, int]:
    page = int(request.query.get("page", 1))
    per_page = min(int(request.query.get("per_page", 30)), page_size)
    return page, per_page


def epoch(timestamp: str) -> int:
    return int(datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


class FakeZendesk:
    """Zendesk Support macros (offset pagination, `next_page`) and Help Center articles, full and incremental."""

    def __init__(self, *, email: str, token: str, macros=None, articles=None, page_size: int = 100):
        self.server = HelpdeskServer(user=f"{email}/token", password=token)
        self.url = self.server.url
        self.page_size = page_size
        self.macros = fixture("zendesk-macros.json")["macros"] if macros is None else macros
        self.articles = fixture("zendesk-articles.json")["articles"] if articles is None else articles
        self.server.routes.update(
            {
                "/api/v2/macros.json": self.macros_answer,
                "/api/v2/help_center/articles.json": self.articles_answer,
                "/api/v2/help_center/incremental/articles.json": self.incremental_answer,
            }
        )

    def _offset(self, request: Seen, key: str, items: list, **extra) -> Answer:
        page, per_page = _page(request, self.page_size)
        chunk = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        query = {k: v for k, v in request.query.items() if k != "page"}
        next_page = f"{self.url}{request.path}?{urlencode({**query, 'page': page + 1})}" if more else None
        previous = f"{self.url}{request.path}?{urlencode({**query, 'page': page - 1})}" if page > 1 else None
        return Answer(
            body={
                key: copy.deepcopy(chunk),
                "next_page": next_page,
                "previous_page": previous,
                "count": len(items),
                **extra,
            }
        )

    def _cursor(self, request: Seen, key: str, items: list) -> Answer:
        """Cursor pagination (`page[size]`, `page[after]`), which Zendesk recommends and which has no 10,000 cap."""
        size = min(int(request.query["page[size]"]), self.page_size)
        start = int(request.query.get("page[after]", "0") or 0)
        chunk = items[start : start + size]
        more = start + size < len(items)
        query = {k: v for k, v in request.query.items() if k != "page[after]"}
        after = str(start + size)
        return Answer(
            body={
                key: copy.deepcopy(chunk),
                "meta": {"has_more": more, "after_cursor": after if more else None, "before_cursor": str(start)},
                "links": {
                    "next": f"{self.url}{request.path}?{urlencode({**query, 'page[after]': after})}" if more else None,
                    "prev": None,
                },
            }
        )

    def macros_answer(self, request: Seen) -> Answer:
        if "page[size]" in request.query:
            return self._cursor(request, "macros", self.macros)
        page, per_page = _page(request, self.page_size)
        if page * per_page > OFFSET_LIMIT:  # Zendesk's offset pagination stops after 10,000 records
            return Answer(status=400, body={"error": "InvalidPaginationParameter"})
        return self._offset(request, "macros", self.macros)

    def articles_answer(self, request: Seen) -> Answer:
        page, per_page = _page(request, self.page_size)
        articles = self.articles
        if request.query.get("include") != "translations":
            articles = [{k: v for k, v in article.items() if k != "translations"} for article in articles]
        page_count = max(1, -(-len(articles) // per_page))
        return self._offset(
            request,
            "articles",
            articles,
            page=page,
            per_page=per_page,
            page_count=page_count,
            sort_by="position",
            sort_order="asc",
        )

    def incremental_answer(self, request: Seen) -> Answer:
        """Articles updated at or after start_time, oldest first; deleted ones are simply absent (as Zendesk's)."""
        if "start_time" not in request.query:
            return Answer(400, {"error": "InvalidValue", "description": "start_time is required"})
        start = int(request.query["start_time"])
        changed = sorted((a for a in self.articles if epoch(a["updated_at"]) >= start), key=lambda a: a["updated_at"])
        end_time = epoch(changed[-1]["updated_at"]) if changed else start
        return Answer(
            body={"articles": copy.deepcopy(changed), "next_page": None, "end_time": end_time, "count": len(changed)}
        )

    def close(self) -> None:
        self.server.close()


class FakeFreshdesk:
    """Freshdesk canned-response folders and responses, solution categories, folders and articles; bare JSON
    arrays paged by the `Link: <…>; rel="next"` header."""

    def __init__(self, *, api_key: str, canned=None, articles=None, page_size: int = 100):
        self.server = HelpdeskServer(user=api_key, password="X")
        self.url = self.server.url
        self.page_size = page_size
        self.canned = fixture("freshdesk-canned-responses.json") if canned is None else canned
        self.articles = fixture("freshdesk-articles.json") if articles is None else articles
        self.server.routes.update(
            {
                "/api/v2/canned_response_folders": lambda request: self._list(
                    request,
                    [
                        {"id": fid, "name": f"Ordner {fid}", "responses_count": n}
                        for fid, n in self._count("folder_id", self.canned).items()
                    ],
                ),
                "/api/v2/solutions/categories": lambda request: self._list(
                    request,
                    [{"id": cid, "name": f"Kategorie {cid}"} for cid in self._count("category_id", self.articles)],
                ),
            }
        )
        for folder_id in {item["folder_id"] for item in self.canned}:
            self.server.routes[f"/api/v2/canned_response_folders/{folder_id}/responses"] = (
                lambda request, fid=folder_id: self._list(request, [i for i in self.canned if i["folder_id"] == fid])
            )
        for category_id in {item["category_id"] for item in self.articles}:
            self.server.routes[f"/api/v2/solutions/categories/{category_id}/folders"] = (
                lambda request, cid=category_id: self._list(
                    request,
                    [
                        {"id": fid, "category_id": cid, "name": f"Ordner {fid}"}
                        for fid in self._count("folder_id", [a for a in self.articles if a["category_id"] == cid])
                    ],
                )
            )
        for folder_id in {item["folder_id"] for item in self.articles}:
            self.server.routes[f"/api/v2/solutions/folders/{folder_id}/articles"] = lambda request, fid=folder_id: (
                self._list(request, [a for a in self.articles if a["folder_id"] == fid])
            )

    @staticmethod
    def _count(key: str, items: list) -> dict:
        counts: dict = {}
        for item in items:
            counts[item[key]] = counts.get(item[key], 0) + 1
        return counts

    def _list(self, request: Seen, items: list) -> Answer:
        page, per_page = _page(request, self.page_size)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            query = urlencode({**request.query, "page": page + 1, "per_page": per_page})
            headers["Link"] = f'<{self.url}{request.path}?{query}>; rel="next"'
        return Answer(body=copy.deepcopy(chunk), headers=headers)

    def close(self) -> None:
        self.server.close()
