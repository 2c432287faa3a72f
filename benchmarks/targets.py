"""The servers measured side by side, each started the way its users start it.

The mock as `make mock` serves it; today's stack (the mock of PREVIOUS_COMMIT, gunicorn
+ waitress), so that a change of server is never a step back; the peers a team would use
instead of writing a mock: Stoplight Prism on the same spec, with its request log off and
at its default logging, WireMock standalone with and without its request journal, and
Mockoon CLI on an environment imported from the same spec; a bare ASGI app on the mock's
server (granian), to separate the mock's work from the server's; and nginx `return 200`,
the most this machine can answer, to put every other figure in proportion.
"""

import base64
import contextlib
import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from benchmarks import installs
from benchmarks.installs import MOCKOON_VERSION, PRISM_VERSION, WIREMOCK_VERSION
from benchmarks.processes import Server, free_port, serve

ROOT = installs.ROOT
SPEC = ROOT / "spec" / "metrics.v1.yaml"
EXAMPLE_PLAN = ROOT / "examples" / "tracking-plan.yaml"
TOKEN_HEADER = "X-Tidepool-Session-Token"
# Answers 200 on every target without a token (R1), so it also tells when a server is up.
PROBE_PATH = "/metrics/user/0d4f6a93b2/bench%20-%20ready"
# The request under load: an event for the logged-in user with three query parameters.
LOAD_PATH = "/metrics/thisuser/bench%20-%20load?a=1&b=2&c=3"


@dataclass(frozen=True)
class Target:
    label: str
    start: Callable[[Path], contextlib.AbstractContextManager[Server]]
    # Only the mock checks tokens; the others get a made-up one so every request is alike.
    logs_in: bool = False
    # What the mock is held to; the others (bare app, nginx, today's stack) are references.
    peer: bool = False

    def headers(self, server: Server) -> dict[str, str]:
        return {TOKEN_HEADER: login(server.url) if self.logs_in else "bench-token"}


def login(url: str) -> str:
    """A user token from the mock: any username and password log in by default."""
    basic = base64.b64encode(b"bench:bench").decode()
    request = urllib.request.Request(
        url + "/auth/login", method="POST", headers={"Authorization": f"Basic {basic}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers[TOKEN_HEADER]


def _serve(name: str, command: list[str], port: int, workdir: Path, cwd: Path | None = None):
    log = workdir / f"{name}-{port}.log"
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, log, cwd)


def start_mock(workdir: Path, *options: str) -> contextlib.AbstractContextManager[Server]:
    """`python -m mockserver` with its defaults, as `make mock` runs it, on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "--port", str(port), *options]
    return _serve("mock", command, port, workdir, ROOT)


def start_mock_with_plan(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    """The mock judging each event by the example tracking plan (issue 30: checking the
    plan may cost at most 10% of the mock's req/s)."""
    return start_mock(workdir, "--plan", str(EXAMPLE_PLAN))


def start_previous(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    """The mock of PREVIOUS_COMMIT, exported from git, in a virtual environment of its own."""
    python = installs.previous_python()
    folder = workdir / "previous"
    if not folder.exists():
        folder.mkdir()
        installs.export_previous(folder)
    port = free_port()
    return _serve(
        "previous", [str(python), "-m", "mockserver", "--port", str(port)], port, workdir, folder
    )


def start_bare(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port)]
    return _serve("bare", command, port, workdir, ROOT)


def start_prism(workdir: Path, *options: str) -> contextlib.AbstractContextManager[Server]:
    """Prism as `prism mock SPEC` starts it, plus `options`."""
    binary = installs.npm_binary("@stoplight/prism-cli", PRISM_VERSION, "prism")
    port = free_port()
    command = [str(binary), "mock", str(SPEC), "-p", str(port), "-h", "127.0.0.1", *options]
    return _serve("prism", command, port, workdir)


def start_quiet_prism(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    """Prism with its per-request log off: at its default level (info) it writes four lines
    per request and serves about half as many, so this is the harder bar for the mock."""
    return start_prism(workdir, "--verboseLevel", "warn")


def wiremock_mappings() -> dict:
    """WireMock's stubs: the load request (path, token header and query, as Prism checks
    them) and the probe, each answered 200."""
    load = urlsplit(LOAD_PATH)
    return {
        "mappings": [
            {
                "request": {
                    "method": "GET",
                    "urlPathPattern": "/metrics/thisuser/[^/]+",
                    "headers": {TOKEN_HEADER: {"matches": ".+"}},
                    "queryParameters": {
                        name: {"equalTo": value} for name, value in parse_qsl(load.query)
                    },
                },
                "response": {"status": 200},
            },
            {
                "request": {"method": "GET", "urlPathPattern": "/metrics/user/[^/]+/[^/]+"},
                "response": {"status": 200},
            },
        ]
    }


def start_wiremock(workdir: Path, *options: str) -> contextlib.AbstractContextManager[Server]:
    """`java -jar wiremock-standalone.jar` on a root folder with the stubs above."""
    java = installs.java()
    jar = installs.wiremock_jar()
    port = free_port()
    root = workdir / f"wiremock-{port}"
    (root / "mappings").mkdir(parents=True)
    (root / "mappings" / "metrics.json").write_text(json.dumps(wiremock_mappings()))
    command = [
        *(java, "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1"),
        *("--root-dir", str(root), "--disable-banner", *options),
    ]
    return _serve("wiremock", command, port, workdir)


def start_wiremock_without_journal(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    return start_wiremock(workdir, "--no-request-journal", "--disable-request-logging")


def start_mockoon(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    """Mockoon CLI on an environment its own `import` makes of the spec (every route answers
    its first response, 200); logs to its output only, not to files in the home folder."""
    binary = installs.npm_binary("@mockoon/cli", MOCKOON_VERSION, "mockoon-cli")
    environment = workdir / "mockoon-environment.json"
    if not environment.exists():
        subprocess.run(
            [str(binary), "import", "--input", str(SPEC), "--output", str(environment)],
            check=True,
            capture_output=True,
        )
    port = free_port()
    command = [
        *(str(binary), "start", "--data", str(environment), "--port", str(port)),
        *("--hostname", "127.0.0.1", "--disable-log-to-file"),
    ]
    return _serve("mockoon", command, port, workdir)


_NGINX_CONF = """\
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/nginx-body;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200; }}
    }}
}}
"""


def start_nginx(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(dir=workdir, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [nginx, "-e", str(workdir / "nginx-error.log"), "-c", str(conf), "-g", "daemon off;"]
    return _serve("nginx", command, port, workdir)


TARGETS = {
    "mock": Target("mock (make mock)", start_mock, logs_in=True),
    "mock-plan": Target(
        "mock --plan examples/tracking-plan.yaml", start_mock_with_plan, logs_in=True
    ),
    "previous": Target(
        f"today's stack ({installs.PREVIOUS_COMMIT}, gunicorn + waitress)",
        start_previous,
        logs_in=True,
    ),
    "prism": Target(f"Prism {PRISM_VERSION} (-v warn)", start_quiet_prism, peer=True),
    "prism-info": Target(f"Prism {PRISM_VERSION} (default logging)", start_prism, peer=True),
    "wiremock": Target(f"WireMock {WIREMOCK_VERSION} (journal on)", start_wiremock, peer=True),
    "wiremock-nojournal": Target(
        f"WireMock {WIREMOCK_VERSION} (no journal, no request logging)",
        start_wiremock_without_journal,
        peer=True,
    ),
    "mockoon": Target(f"Mockoon CLI {MOCKOON_VERSION}", start_mockoon, peer=True),
    "bare": Target("bare ASGI app, same server (granian)", start_bare),
    "nginx": Target("nginx return 200", start_nginx),
}
PEERS = [name for name, target in TARGETS.items() if target.peer]
