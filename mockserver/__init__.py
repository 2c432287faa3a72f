"""A mock of Tidepool's Metrics API, driven by spec/metrics.v1.yaml (see README.md).

The house, in layers: each part imports only from the parts below it, and `make lint`
checks that (import-linter's contracts in pyproject.toml say the same as this map).

    running           running_mock(): `python -m mockserver` on a free port, for tests
                      (this project's, the suite's default target, a consumer's), and
                      waiting for an event or counting them
    cli, __main__     the command line: builds a MockConfig (each mistake one line,
                      --upstream resolved against the spec's servers and refused for
                      production without --allow-production) and hands it to serving
    serving/          how the app is served: granian's worker processes (its reloader
                      with --reload) running a thin ASGI adapter; listings that wait for
                      an event, holding no thread; the banner first
    console           the banner and one line per recorded or refused request
    app               MockApp: one dispatch path for every route, every error answered
                      kept (journal/rejections); a WSGI entry for Werkzeug's test client
    admission         which requests are served at all, from the head alone: bounds,
                      Host, callers; MockRequest, the raw target read once
    own_api           the mock's own API (spec/mockserver.v1.yaml): one table
                      operationId -> (rule, handler)
    upstream/         --upstream: what the mock does not serve goes to a real
                      environment; --forward-metrics: its metrics answers judged
    auth/             who may log in, the tokens issued, may this request call this
                      operation and as whom
    journal/          the SQLite store of events, refusals and settings (the faults)
                      that every worker process shares
    routes            the Werkzeug URL map, built from the spec's operations
    faults, cors      injected latency, failures and lost answers, changed at runtime
                      for every worker; the headers a browser needs
    hosts             which Host a request may name (against DNS rebinding)
    spec, uri         read the OpenAPI document; decode the raw request target
    fault_settings    the faults in force as a value, and a change read from JSON
    callers           which pages and clients may call what (foreign pages, the LAN)
    masking           what of a request may be kept and shown (no token, no password)
    config, errors    every setting in one value; every error message in one place
    known_valid       the spec documents already found valid, not validated again

The folders are the parts with an inside that a reader of the app need not open: the
serving stack and the journal are most of the performance work, the upstream and auth
parts each have a map of their own. Modules at the top are the app itself.

One request, `GET /metrics/thisuser/Viewed%20Page?source=blip` with a user token:
serving's ASGI adapter turns granian's scope into a MockRequest (the target as sent) and
asks admission (bounds, Host, callers); `MockApp.respond` -> `dispatch` matches the raw
target on the URL map (routes) to the endpoint named by its operationId, and decodes the
path values and the query (uri); the endpoint's handler, `record_event`, reads the
`Prefer` header (faults), lets `auth.security.authorize` check the token (auth.tokens)
against the operation's `security` (spec), stores the event (journal) and answers 200
with an empty body, after any delay the faults ask for (waited on the event loop);
`cors` adds its headers on the way out, and the committed event reaches the terminal
(console) through `on_events`.

With `--plan`, each worker reads the tracking plan (the package tracking_plan, which the
suite shares) and judges events by it when they are read, never when recorded: the
listing (own_api), the journal's `plan` filter (an SQL function) and the terminal lines
(console).

With `--upstream`, `dispatch` first asks whether the mock serves the request at all (a
Metrics operation or /__mock); the rest goes to the upstream as sent (upstream), and
`authorize` asks the upstream whose a token is (upstream.auth) instead of auth.tokens.
"""

# The distribution's version (packaging/mock/pyproject.toml says the same; a test checks),
# which GET /__mock/status reports so that the suite can refuse a mock not its own.
__version__ = "0.1.0"
