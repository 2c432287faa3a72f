"""The Metrics API contract suite: tests generated from spec/metrics.v1.yaml, run over HTTP.

Black-box: it reads the spec and talks HTTP to a base URL, the same way against the mock,
qa1 or a deploy candidate; it never imports the mock to learn what is correct.

Layers, from the command line down:
    __main__      python -m contract_tests: the gate's entry, exit 0 holds / 1 broken / 4 not verified
    plugin        pytest plugin: options, target, production guard, profiles, fixtures, reports
    short_options --env, --spec-file...: the plugin's --tidepool-NAME options, short, where run on purpose
    environments  which URL (--base-url, --env, the in-process mock), its host read as requests sends it
    credentials   tokens from the environment or a login, checked with /auth before any test
    spec          the suite's own reading of the contract: operations, security, servers
    schema        the same spec loaded by schemathesis, which generates the cases
    rules         R1-R6: the status each credential must get, derived from `security`
    suite         Suite.send / Suite.expect: the one way a request is sent and judged
    checks        what an answer is checked for, as problems naming their rules
    failures      ContractViolation: a broken rule as data, read by every reporter
    drifts        --known-drifts: breaks accepted until a date, each excusing exactly its answers
    har, replay   --replay FILE.har: recorded requests as cases; scrub: tidepool-scrub-har
    spec_change   python -m contract_tests.spec_change: a spec change judged by recorded traffic
                  (traffic: requests read under one spec; spec_diff: structural changes;
                  spec_change_report: terminal and Markdown)
    parity        python -m contract_tests.parity: the auth matrix and named edges at several
                  targets, one table of where they differ
    closed_surface  what no spec lists (spec/closed-surface.yaml, writing methods): never a 2xx
    plan_check    --plan PLAN.yaml: replayed requests off a tracking plan (tracking_plan/), named
    journal       against a mock: its journal (GET /__mock/events), each event compared with what was sent
    summary       the run's verdict (terminal and --summary-file Markdown)
    parallel      -n (pytest-xdist): the workers' summaries merged on the controller
    pacing, redaction   a paced, timed-out HTTP session; secrets out of every report
    test_*        properties (generated), named_edges, auth_matrix, recorded_events (mock only),
                  closed_surface, replay (with --replay only)

One generated case: schema -> test_properties (one test per operation and accepted
credential) -> Suite.expect -> Suite.send (URL from spec.Operation.path, paced, counted,
curl) -> checks.problems (rules.rules_broken_by_status) -> drifts.KnownDrifts.excuse, for a
status a known drift explains -> else sent twice more (and a refusal with a query: the
path alone, to blame R4 or R5) ->
failures.ContractViolation -> plugin.pytest_runtest_makereport -> summary (terminal,
Markdown) and JUnit properties.

PYTEST_DONT_REWRITE (this module only, which has no assert): `python -m contract_tests`
imports it before pytest starts, and where the package is installed pytest would warn
that it cannot rewrite it; the suite's own modules are rewritten as usual.
"""

# The distribution's version (pyproject.toml says the same; a test checks): a mock of
# another version is refused (forwarding.py).
__version__ = "0.1.0"
