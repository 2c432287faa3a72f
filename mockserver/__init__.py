"""A mock of Tidepool's Metrics API, driven by spec/metrics.v1.yaml (see README.md).

The map, in layers (each module imports only from the layers below it):

    cli, __main__     the command line builds a MockConfig, nothing more
    serve, inprocess  how it is served: gunicorn or Werkzeug's reloader (serve), a
                      thread on a free port for tests and the suite (inprocess)
    waitress_worker   inside each gunicorn worker, waitress's event loop (epoll_map):
                      slow and idle clients hold a socket, not a thread; the loop
                      answers requests itself, threads only those that may wait
                      (loop_dispatch)
    listen            the address checked before serving; the URLs to print
    console           the banner and one line per recorded or refused request
    app               MockApp: the WSGI app; one dispatch path for every route;
                      every error answered is kept (rejections)
    validating_proxy  --forward-metrics: metrics sent upstream, the answers judged
    upstream_auth     whose token it is, asked of the upstream's auth service
    upstream          --upstream: what the mock does not serve, forwarded as sent
    own_api           the mock's own API (spec/mockserver.v1.yaml): one table
                      operationId -> (rule, handler)
    routes            the Werkzeug URL map, built from the spec's operations
    security          may this request call this operation, and as whom
    hosts             which Host a request may name (against DNS rebinding)
    accounts, tokens  who may log in; the tokens issued and what each one means
    faults, cors      injected latency and failures; the headers a browser needs
    journal           the SQLite event store all worker processes share, merged on read
    shards            its files: a shard per writing process, the shared id counter
    rejections        the refused requests and why, in the same file, apart
    group_commit      a process's threads share one commit; the lock a writer holds
    conformance       the rules (R1-R6) an upstream's metrics answer broke
    spec, uri         read the OpenAPI document; decode the raw request target
    config, errors    every setting in one value; every error message in one place

One request, `GET /metrics/thisuser/Viewed%20Page?source=blip` with a user token:
serve hands the WSGI environ to `MockApp.__call__`; `dispatch` takes the raw target
(uri), matches it on the URL map (routes) to the endpoint named by its operationId, and
decodes the path values and the query; the endpoint's handler, `record_event`, reads the
`Prefer` header (faults), lets `security.authorize` check the token (tokens) against the
operation's `security` (spec), stores the event (journal, through group_commit) and
answers 200 with an empty body; `cors` adds its headers on the way out, and the
committed event reaches the terminal (console) through `on_events`.

With `--upstream`, `dispatch` first asks whether the mock serves the request at all (a
Metrics operation or /__mock); the rest goes to the upstream as sent (upstream), and
`authorize` asks the upstream whose a token is (upstream_auth) instead of tokens.
"""
