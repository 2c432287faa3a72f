"""The Metrics API contract suite: tests generated from spec/metrics.v1.yaml, run over HTTP.

Black-box: it reads the spec and talks HTTP to a base URL, the same way against the mock,
qa1 or a deploy candidate; it never imports the mock to learn what is correct.

Layers, from the commands down, a blank line between two: a part imports only from the
layers below its own, never from another part of its layer (`make lint` holds this order:
pyproject.toml, import-linter).
  __main__      python -m contract_tests: the suite, exit 0 holds / 1 broken / 4 not verified
  parity        python -m contract_tests.parity: the auth matrix and named edges at several targets
  spec_change   python -m contract_tests.spec_change: a spec change judged by recorded traffic
  scrub         tidepool-scrub-har: a HAR's secrets removed

  test_*          the contract tests: auth_matrix, named_edges, properties (generated),
                  closed_surface, recorded_events (mock only), replay (with --replay only)

  pytest/         the pytest plugin by concern (its own map): options, gate, target, fixtures,
                  reporting, verdict, xdist; Run, what one run knows, in config.stash

  spec_change_report, traffic, spec_diff   spec_change's report, requests read under a spec, changes
  plan_check    --plan PLAN.yaml: replayed requests off a tracking plan (tracking_plan/), named
  parallel      -n (pytest-xdist): the workers' summaries handed over as data and merged
  summary_text  the summary shown: terminal (last, short) and Markdown (--summary-file)
  forwarding    a mock that forwards metrics is tested as the environment behind it

  replay        --replay FILE.har: recorded requests as cases

  journal       against a mock: its journal (GET /__mock/events), each event compared with what was sent

  suite         Suite.send / Suite.expect / Suite.judge: the one way a request is sent and judged

  checks        what an answer is checked for, as problems naming their rules
  closed_surface  what no spec lists (spec/closed-surface.yaml, writing methods): never a 2xx
  summary       the run's summary as data: cases, answers, failures, skips, drifts, the verdict

  drifts        --known-drifts: breaks accepted until a date, each excusing exactly its answers
  rules         R1-R6: the status each credential must get, derived from the spec's `security`
  har           a HAR read: recorded requests (each credential by its key), secrets found and scrubbed

  credentials   Credential and its keys (none, invalid, user, server); tokens from the environment
                or a login, checked with /auth
  environments  which URL (--base-url, --env, the in-process mock), its host read as requests sends it
  pacing        a paced, timed-out HTTP session
  schema        the spec loaded by schemathesis, which generates the cases
  failures      ContractViolation: a broken rule as data, read by every reporter
  escaping      what a target controls, shown as one line of text
  named_edges   the edges the spec names (path values, queries), sent on every run

  spec          the suite's own reading of the contract: operations, security, servers
  redaction     secrets out of every report; curl lines with the token masked
  production    which host is production, whatever spec is loaded
  network       how a host is reached (loopback without a lookup, a proxy's notes)
  credential_names  query parameter names whose values are credentials

One generated case: schema -> test_properties (one test per operation and accepted
credential) -> Suite.expect -> Suite.send (URL from spec.Operation.path, paced, counted,
curl) -> checks.problems (rules.rules_broken_by_status) -> drifts.KnownDrifts.excuse, for a
status a known drift explains -> else sent twice more (and a refusal with a query: the
path alone, to blame R4 or R5) -> failures.ContractViolation -> pytest/reporting.report
-> summary -> summary_text (terminal, Markdown) and JUnit properties.

PYTEST_DONT_REWRITE (this module only, which has no assert): `python -m contract_tests`
imports it before pytest starts, and where the package is installed pytest would warn
that it cannot rewrite it; the suite's own modules are rewritten as usual.
"""

# The distribution's version (pyproject.toml says the same; a test checks): a mock of
# another version is refused (forwarding.py).
__version__ = "0.1.0"
