"""The servers measured side by side, each started the way its users start it.

(a) the mock as `make mock` serves it; (b) Stoplight Prism on the same spec, what a team
would use instead of writing a mock, with its request log off and (c) at its default
logging; (d) a bare Werkzeug app under the mock's own server configuration, to separate
the mock's work from the server's; (e) the mock on its former server (gunicorn's
`gthread` worker), the runner-up; (f) nginx `return 200`, the most this machine can
answer, to put every other figure in proportion.
"""

import base64
import contextlib
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.processes import Server, free_port, serve

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "metrics.v1.yaml"
PRISM_VERSION = "5.16.0"
# Outside the repository, so that no node_modules is ever committed, and kept between runs.
PRISM_DIR = Path.home() / ".cache" / "tidepool-metrics-bench" / f"prism-{PRISM_VERSION}"
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


def start_mock(workdir: Path, *options: str) -> contextlib.AbstractContextManager[Server]:
    """`python -m mockserver` with its defaults, as `make mock` runs it, on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "--port", str(port), *options]
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, workdir / "mock.log", ROOT)


# `python -m mockserver` as on a system without epoll (macOS, the BSDs): `selectors` then
# picks poll here, the portable path its event loop takes where epoll is missing.
_WITHOUT_EPOLL = (
    "import runpy, select\n"
    "for name in [n for n in dir(select) if n == 'epoll' or n.startswith('EPOLL')]:\n"
    "    delattr(select, name)\n"
    "runpy.run_module('mockserver', run_name='__main__', alter_sys=True)"
)


def start_mock_without_epoll(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    command = [sys.executable, "-c", _WITHOUT_EPOLL, "--port", str(port)]
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, workdir / "mock-poll.log", ROOT)


def _prism_binary() -> Path:
    """Prism's CLI, installed with npm on first use (npx would re-resolve it every start)."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        PRISM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(PRISM_DIR),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@stoplight/prism-cli@{PRISM_VERSION}",
            ],
            check=True,
        )
    return binary


def start_prism(workdir: Path, *options: str) -> contextlib.AbstractContextManager[Server]:
    """Prism as `prism mock SPEC` starts it, plus `options`."""
    port = free_port()
    command = [str(_prism_binary()), "mock", str(SPEC), "-p", str(port), "-h", "127.0.0.1"]
    log = workdir / f"prism-{port}.log"
    return serve([*command, *options], f"http://127.0.0.1:{port}", PROBE_PATH, log)


def start_quiet_prism(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    """Prism with its per-request log off: at its default level (info) it writes four lines
    per request and serves about half as many, so this is the harder bar for the mock."""
    return start_prism(workdir, "--verboseLevel", "warn")


def start_gthread_mock(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.gthread_mock", "--port", str(port)]
    log = workdir / "gthread.log"
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, log, ROOT)


def start_bare(workdir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port)]
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, workdir / "bare.log", ROOT)


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
    return serve(command, f"http://127.0.0.1:{port}", PROBE_PATH, workdir / "nginx.log")


TARGETS = {
    "mock": Target("mock (make mock)", start_mock, logs_in=True),
    "mock-poll": Target("mock without epoll (poll)", start_mock_without_epoll, logs_in=True),
    "prism": Target(f"Prism {PRISM_VERSION} (-v warn)", start_quiet_prism),
    "prism-info": Target(f"Prism {PRISM_VERSION} (default logging)", start_prism),
    "bare": Target("bare Werkzeug app, same server", start_bare),
    "gthread": Target("mock on gunicorn gthread (before)", start_gthread_mock, logs_in=True),
    "nginx": Target("nginx return 200", start_nginx),
}
