"""The mock's own API (spec/mockserver.v1.yaml): logins, the journal, status, the inspector.

One table, `ROUTES`, ties each operationId of that spec to its URL rule and its handler,
so the document, the routes and the code can be read side by side (and
tests/spec/test_mockserver_spec.py checks that they agree). Every handler has the same
signature as the handler of a Metrics operation: the request, its decoded query and its
decoded path values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from werkzeug.routing import Rule
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from tracking_plan.hook import WatchedPlan
from tracking_plan.verdict import NO_PLAN, OFF_PLAN, ON_PLAN

from . import __version__, errors
from .auth.accounts import SERVER, USER, Accounts, Principal, basic_credentials
from .auth.tokens import SESSION_TOKEN_HEADER, Tokens
from .callers import is_loopback_client
from .config import MockConfig
from .errors import PLAIN_TEXT, PlainError, TokenRefused
from .fault_settings import FaultSettings, FaultSettingsError, parse_change
from .faults import Faults
from .journal.har import as_har
from .journal.rejections import Rejections
from .journal.store import QUERY_FILTER, Event, Journal
from .spec import ApiSpec

SERVER_NAME_HEADER = "X-Tidepool-Server-Name"
SERVER_SECRET_HEADER = "X-Tidepool-Server-Secret"
STATIC_DIR = Path(__file__).resolve().parent / "static"
INSPECTOR_PAGE = "inspector.html"
INSPECTOR_PATH = "/__mock/"
# Listings come in pages of at most MAX_PAGE (`limit`); without one, DEFAULT_PAGE, which
# covers a journal of the default --max-events in one answer, as readers expect.
DEFAULT_PAGE = 10_000
MAX_PAGE = 10_000
# The values of the `plan` filter: the tracking plan's verdicts.
VERDICTS = (ON_PLAN, OFF_PLAN, NO_PLAN)
# The longest a listing waits for a matching event (`wait`).
MAX_WAIT_S = 60

Handler = Callable[["OwnApi", Request, dict, dict], Response]
# Told of each change of the faults: the faults now in force, and when they lapse.
OnFaults = Callable[[FaultSettings, float | None], None]


class OwnApi:
    """The handlers; each reads only the parts of the mock it was given."""

    def __init__(
        self,
        config: MockConfig,
        spec: ApiSpec,
        journal: Journal,
        rejections: Rejections,
        accounts: Accounts,
        tokens: Tokens,
        faults: Faults,
        plan: WatchedPlan | None = None,
        on_faults: OnFaults | None = None,
    ) -> None:
        self.config = config
        self.spec = spec
        self.journal = journal
        self.rejections = rejections
        self.accounts = accounts
        self.tokens = tokens
        self.faults = faults
        self.plan = plan
        self._on_faults = on_faults

    # Login ------------------------------------------------------------------------

    def login(self, request: Request, query: dict, path: dict) -> Response:
        credentials = basic_credentials(request.headers.get("Authorization"))
        principal = self.accounts.user_login(*credentials) if credentials else None
        if principal is None:
            raise PlainError(401, errors.LOGIN_FAILED)
        return self._session(principal)

    def refresh_session(self, request: Request, query: dict, path: dict) -> Response:
        principal = self._caller(request)
        if principal is None or principal.kind != USER:
            raise PlainError(401, errors.SESSION_INVALID)
        return self._session(principal)

    def server_login(self, request: Request, query: dict, path: dict) -> Response:
        principal = self.accounts.server_login(
            request.headers.get(SERVER_NAME_HEADER, ""),
            request.headers.get(SERVER_SECRET_HEADER, ""),
        )
        if principal is None:
            raise PlainError(401, errors.SERVER_LOGIN_FAILED)
        return Response(status=200, headers={SESSION_TOKEN_HEADER: self.tokens.issue(principal)})

    def logged_in_user(self, request: Request, query: dict, path: dict) -> Response:
        principal = self._caller(request)
        if principal is None or principal.kind != USER:
            raise PlainError(401, errors.SESSION_INVALID)
        return json_response(principal.login_body())

    def check_token(self, request: Request, query: dict, path: dict) -> Response:
        principal = self._caller(request)
        if principal is None:
            raise PlainError(401, errors.TOKEN_NOT_VALID)
        return json_response(principal.token_data())

    def server_check_token(self, request: Request, query: dict, path: dict) -> Response:
        caller = self._caller(request)
        if caller is None or caller.kind != SERVER:
            raise PlainError(401, errors.SERVER_TOKEN_REQUIRED)
        principal = self._identify(path["token"])
        if principal is None:
            raise PlainError(401, errors.TOKEN_NOT_VALID)
        return json_response(principal.token_data())

    def logout(self, request: Request, query: dict, path: dict) -> Response:
        token = request.headers.get(SESSION_TOKEN_HEADER)
        if token is not None:
            self.tokens.log_out(token)
        return Response(status=200)

    def _caller(self, request: Request) -> Principal | None:
        token = request.headers.get(SESSION_TOKEN_HEADER)
        return self._identify(token) if token is not None else None

    def _identify(self, token: str) -> Principal | None:
        try:
            return self.tokens.identify(token)
        except TokenRefused as refused:
            raise PlainError(401, str(refused)) from None

    def _session(self, principal: Principal) -> Response:
        return json_response(
            principal.login_body(), headers={SESSION_TOKEN_HEADER: self.tokens.issue(principal)}
        )

    # The journal ------------------------------------------------------------------

    def list_events(self, request: Request, query: dict, path: dict) -> Response:
        """The listing; with `wait`, an empty page is a WaitingListing (see there)."""
        wait_s, query = wait_seconds(query)
        limit, query = page_limit(query)
        filters = self._event_filters(query)
        seen = self.journal.last_id()  # before the read: nothing committed after it is missed
        found, dropped = self.journal.listing(limit + 1, **filters)
        page, following = paged(found, limit, request.path, filters)
        events = [self._listed(event) for event in page]
        body = {"events": events, "dropped": dropped, "next": following}
        if not events and wait_s > 0:
            return WaitingListing(body, wait_s, seen, filters)
        return json_response(body)

    def count_events(self, request: Request, query: dict, path: dict) -> Response:
        filters = self._event_filters(query)
        return json_response({"count": self.journal.count(**filters)})

    def export_events(self, request: Request, query: dict, path: dict) -> Response:
        """The listing's page as HAR: the same filters and `limit`, `next` in `log._next`."""
        limit, query = page_limit(query)
        filters = self._event_filters(query)
        found = self.journal.events(limit=limit + 1, **filters)
        page, following = paged(found, limit, request.path, filters)
        har = as_har(page, request.host_url, following)
        return json_response(har, {"Content-Disposition": f'attachment; filename="{HAR_FILE}"'})

    def clear_events(self, request: Request, query: dict, path: dict) -> Response:
        self.journal.clear(**self._event_filters(query))
        return Response(status=204)

    def _event_filters(self, query: dict) -> dict[str, str | int]:
        """The journal's filters a query asks for; a `plan` filter only with a plan (a
        test asserting "no off-plan events" must not pass for want of one)."""
        filters = journal_filters(query, Journal.FILTERS, by_query=True)
        if "plan" in filters:
            if self.plan is None:
                raise PlainError(400, errors.PLAN_FILTER_WITHOUT_PLAN)
            if filters["plan"] not in VERDICTS:
                raise PlainError(400, errors.BAD_PLAN_FILTER.format(verdicts=", ".join(VERDICTS)))
        return filters

    def _listed(self, event: Event) -> dict:
        """An event as the listing shows it: with the plan's verdict, judged now."""
        listed = event.to_json()
        listed["plan"] = self.plan.judge(listed).to_json() if self.plan else None
        return listed

    def list_rejections(self, request: Request, query: dict, path: dict) -> Response:
        limit, query = page_limit(query)
        filters = journal_filters(query, ("since",))
        found = self.rejections.since(int(filters.get("since", 0)), limit + 1)
        page, following = paged(found, limit, request.path, filters)
        rejections = [rejection.to_json() for rejection in page]
        return json_response({"rejections": rejections, "next": following})

    def clear_rejections(self, request: Request, query: dict, path: dict) -> Response:
        self.rejections.clear()
        return Response(status=204)

    # The mock itself --------------------------------------------------------------

    def get_faults(self, request: Request, query: dict, path: dict) -> Response:
        return json_response(self._faults_body())

    def change_faults(self, request: Request, query: dict, path: dict) -> Response:
        """Put new faults in force for every worker; a mistake changes nothing."""
        operation_ids = tuple(operation.operation_id for operation in self.spec.operations)
        try:
            body = json.loads(request.get_data(as_text=True))
            settings, seconds = parse_change(body, self.faults.start, operation_ids)
        except FaultSettingsError as error:
            raise PlainError(400, str(error)) from None
        except ValueError:
            raise PlainError(400, errors.FAULTS_NOT_JSON) from None
        self.faults.change(settings, seconds)
        if self._on_faults is not None:
            self._on_faults(settings, self.faults.until())
        return json_response(self._faults_body())

    def _faults_body(self) -> dict:
        until = self.faults.until()
        return {
            **self.faults.current().to_json(),
            "changed": self.faults.current().changed,
            "until": None if until is None else _iso(until),
            "commandLine": self.faults.start.to_json(),
        }

    def status(self, request: Request, query: dict, path: dict) -> Response:
        kept, dropped = self.journal.counts()
        spec, config = self.spec, self.config
        # Another machine is told file names, never where they are on this one.
        shown = str if is_loopback_client(request.remote_addr) else _file_name
        upstream = None  # where requests pass through to (--upstream), if anywhere
        if config.upstream:
            upstream = {
                "url": config.upstream,
                "forwardMetrics": config.forward_metrics,
                "timeoutSeconds": config.upstream_timeout_s,
            }
        credentials = self.accounts.describe()
        if credentials["accountsFile"] is not None:
            credentials["accountsFile"] = shown(credentials["accountsFile"])
        return json_response(
            {
                "version": __version__,
                "spec": {"path": shown(spec.path), "title": spec.title, "version": spec.version},
                "faults": self._faults_body(),
                "credentials": credentials,
                "corsOrigins": list(config.allowed_origins()),
                "journal": {"file": shown(self.journal.path), "maxEvents": self.journal.max_events},
                "counts": {"events": kept, "dropped": dropped, "refused": self.rejections.count()},
                "upstream": upstream,
                "plan": self._plan_status(shown),
            }
        )

    def _plan_status(self, shown: Callable[[str | Path], str]) -> dict | None:
        if self.plan is None:
            return None
        self.plan.current()  # an edit since the last verdict is read, or its problem said
        return {"file": shown(self.plan.path), "problem": self.plan.problem}

    def root(self, request: Request, query: dict, path: dict) -> Response:
        inspector = request.host_url.rstrip("/") + INSPECTOR_PATH
        return Response(
            f"{errors.SEE_INSPECTOR.format(url=inspector)}\n",
            content_type=PLAIN_TEXT,
        )

    def inspector(self, request: Request, query: dict, path: dict) -> Response:
        return send_from_directory(STATIC_DIR, INSPECTOR_PAGE, request.environ)

    def inspector_file(self, request: Request, query: dict, path: dict) -> Response:
        return send_from_directory(STATIC_DIR, path["file"], request.environ)


# operationId in spec/mockserver.v1.yaml -> (its URL rule, its handler).
ROUTES: dict[str, tuple[Rule, Handler]] = {
    "Login": (Rule("/auth/login", methods=["POST"]), OwnApi.login),
    "RefreshSession": (Rule("/auth/login", methods=["GET"]), OwnApi.refresh_session),
    "ServerLogin": (Rule("/auth/serverlogin", methods=["POST"]), OwnApi.server_login),
    "GetLoggedInUser": (Rule("/auth/user", methods=["GET"]), OwnApi.logged_in_user),
    "CheckToken": (Rule("/auth/token", methods=["GET"]), OwnApi.check_token),
    "ServerCheckToken": (Rule("/auth/token/<token>", methods=["GET"]), OwnApi.server_check_token),
    "Logout": (Rule("/auth/logout", methods=["POST"]), OwnApi.logout),
    "ListEvents": (Rule("/__mock/events", methods=["GET"]), OwnApi.list_events),
    "ClearEvents": (Rule("/__mock/events", methods=["DELETE"]), OwnApi.clear_events),
    "CountEvents": (Rule("/__mock/events/count", methods=["GET"]), OwnApi.count_events),
    "ExportEvents": (Rule("/__mock/events.har", methods=["GET"]), OwnApi.export_events),
    "ListRejections": (Rule("/__mock/rejections", methods=["GET"]), OwnApi.list_rejections),
    "ClearRejections": (Rule("/__mock/rejections", methods=["DELETE"]), OwnApi.clear_rejections),
    "GetStatus": (Rule("/__mock/status", methods=["GET"]), OwnApi.status),
    "GetFaults": (Rule("/__mock/faults", methods=["GET"]), OwnApi.get_faults),
    "ChangeFaults": (Rule("/__mock/faults", methods=["PUT"]), OwnApi.change_faults),
    "GetRoot": (Rule("/", methods=["GET"]), OwnApi.root),
    "GetInspector": (Rule("/__mock", methods=["GET"], strict_slashes=False), OwnApi.inspector),
    "GetInspectorFile": (
        Rule("/__mock/static/<path:file>", methods=["GET"]),
        OwnApi.inspector_file,
    ),
}


# The name a browser gives the downloaded HAR file.
HAR_FILE = "mock-events.har"
# Routes whose path carries a secret, shown by their template wherever requests are shown.
SECRET_PATH_ROUTES = ("ServerCheckToken",)
# Routes whose work grows with the journal (a listing or a clear of up to --max-events):
# a thread answers them, never the event loop (MockApp.may_be_slow).
JOURNAL_SIZED_ROUTES = (
    "ListEvents",
    "CountEvents",
    "ExportEvents",
    "ClearEvents",
    "ListRejections",
    "ClearRejections",
)
JOURNAL_SIZED_PATHS = frozenset(
    ROUTES[operation_id][0].rule for operation_id in JOURNAL_SIZED_ROUTES
)


def secret_paths() -> list[tuple[str, str]]:
    """(prefix, template) of each route whose path carries a secret (masking.py)."""
    templates = [ROUTES[operation_id][0].rule for operation_id in SECRET_PATH_ROUTES]
    return [(template[: template.index("<")], template) for template in templates]


def own_rules() -> list[Rule]:
    """Fresh copies of the table's rules (a Rule belongs to one Map), named by operationId."""
    rules = []
    for operation_id, (rule, _) in ROUTES.items():
        copy = rule.empty()
        copy.endpoint = operation_id
        rules.append(copy)
    return rules


def journal_filters(
    query: dict, allowed: tuple[str, ...], by_query: bool = False
) -> dict[str, str | int]:
    """The filters a query asks for (`by_query`: also `query[NAME]`, an event's query
    parameter's value); 400 for any other parameter, or one given twice."""
    filters: dict[str, str | int] = {}
    for name, values in query.items():
        known = name in allowed or (by_query and QUERY_FILTER.fullmatch(name))
        if not known or len(values) > 1:
            named = ", ".join([*allowed, *(["query[NAME]"] if by_query else [])])
            raise PlainError(400, errors.UNKNOWN_FILTER.format(name=name, filters=named))
        filters[name] = values[0]
    if "since" in filters:
        since = str(filters["since"])
        if not (since.isascii() and since.isdigit() and len(since) <= 18):
            raise PlainError(400, errors.BAD_SINCE)
        filters["since"] = int(since)
    return filters


def wait_seconds(query: dict) -> tuple[float, dict]:
    """How long a listing may wait for a matching event (`wait`, 0 if not given), and the
    rest of the query; 400 for a wait that is not a number of seconds up to MAX_WAIT_S."""
    rest = {name: values for name, values in query.items() if name != "wait"}
    values = query.get("wait", ["0"])
    text = values[0]
    number = text.replace(".", "", 1)
    if not (len(values) == 1 and number.isascii() and number.isdigit() and len(text) <= 8):
        raise PlainError(400, errors.BAD_WAIT.format(maximum=MAX_WAIT_S))
    if float(text) > MAX_WAIT_S:
        raise PlainError(400, errors.BAD_WAIT.format(maximum=MAX_WAIT_S))
    return float(text), rest


class WaitingListing(Response):
    """An empty page of a listing asked to `wait`: the server holds it, with no thread,
    until an event newer than `seen` is committed (then it asks the listing again) or
    `wait_s` have passed (then it sends this page); serving/waits.py. Werkzeug's test
    client, which has no event loop, gets the empty page at once."""

    def __init__(self, body: dict, wait_s: float, seen: int, filters: dict) -> None:
        super().__init__(json.dumps(body), mimetype="application/json")
        self.wait_s = wait_s
        self.seen = seen
        self.filters = filters


def page_limit(query: dict) -> tuple[int, dict]:
    """The page size a listing's query asks for (DEFAULT_PAGE if none), and the rest of
    the query; 400 for a size that is not a whole number from 1 to MAX_PAGE."""
    rest = {name: values for name, values in query.items() if name != "limit"}
    values = query.get("limit", [str(DEFAULT_PAGE)])
    text = values[0]
    well_formed = len(values) == 1 and text.isascii() and text.isdigit() and len(text) <= 6
    if not (well_formed and 1 <= int(text) <= MAX_PAGE):
        raise PlainError(400, errors.BAD_LIMIT.format(maximum=MAX_PAGE))
    return int(text), rest


def paged(found: list, limit: int, path: str, filters: dict) -> tuple[list, str | None]:
    """The page of `limit` records in `found` (read with one more than that), and where the
    rest is if more remain: the same filters, after the page's last id."""
    page = found[:limit]
    if len(found) <= limit:
        return page, None
    query = {**{name: str(value) for name, value in filters.items()}, "since": page[-1].id}
    return page, f"{path}?{urlencode({**query, 'limit': limit}, quote_via=quote)}"


def _file_name(path: str | Path) -> str:
    return Path(path).name


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def json_response(body: dict, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), headers=headers, mimetype="application/json"
    )
