"""The floor under the mock's figures: its app called directly, with no server at all.

One thread calls `MockApp` with the load part's request (the token from `/auth/login`,
the raw target in REQUEST_URI) and the bare ASGI app beside it, in turns, and the figure
is CPU time per request. No server, no socket, no other thread: this is the least
a request can cost the mock, whatever server is put around it. Set beside Prism's whole
CPU per request (load part, server included), it shows whether a throughput target is
within reach of any server at all.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote

from werkzeug.test import EnvironBuilder

from benchmarks.bare_app import app as bare_app
from benchmarks.targets import LOAD_PATH
from mockserver.app import MockApp
from mockserver.auth.tokens import SESSION_TOKEN_HEADER
from mockserver.config import MockConfig

CALLS = 5000  # per app and round


@dataclass(frozen=True)
class AppAloneRun:
    mock_us: float  # CPU per request
    bare_us: float


def _environ(method: str, target: str, headers: dict[str, str]) -> dict:
    """What waitress hands an app: the decoded path, and the target as sent in REQUEST_URI."""
    path, _, query = target.partition("?")
    environ = EnvironBuilder(method=method, path=path, query_string=query, headers=headers)
    return {**environ.get_environ(), "REQUEST_URI": target}


def _call(app: Callable, environ: dict) -> tuple[str, dict[str, str]]:
    answer: dict = {}

    def start_response(status: str, headers: list, exc_info=None) -> None:
        answer.update(status=status, headers=dict(headers))

    b"".join(app(dict(environ), start_response))
    return answer["status"], answer["headers"]


def _call_bare(scope: dict) -> None:
    """One request to the bare ASGI app, driven without an event loop: it never waits."""

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    with contextlib.suppress(StopIteration):
        bare_app(dict(scope), receive, send).send(None)


def _scope(target: str, headers: dict[str, str]) -> dict:
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "method": "GET",
        "raw_path": path.encode(),
        "path": unquote(path),
        "query_string": query.encode(),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }


def _cpu_us_per_call(call: Callable[[], object], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls * 1e6


def measure(rounds: int, workdir: Path, calls: int = CALLS) -> list[AppAloneRun]:
    config = replace(MockConfig(), journal_file=workdir / "app-alone.sqlite3")
    mock = MockApp(config)
    try:
        basic = {"Authorization": "Basic YmVuY2g6YmVuY2g="}  # bench:bench; anyone may log in
        status, headers = _call(mock, _environ("POST", "/auth/login", basic))
        if not status.startswith("200"):
            raise RuntimeError(f"the mock refused the benchmark's login: {status}")
        token = {SESSION_TOKEN_HEADER: headers[SESSION_TOKEN_HEADER], "Host": "127.0.0.1"}
        environ = _environ("GET", LOAD_PATH, token)
        status, _ = _call(mock, environ)
        if not status.startswith("200"):
            raise RuntimeError(f"the mock refused the benchmark's request: {status}")
        scope = _scope(LOAD_PATH, token)
        runs = []
        for _ in range(rounds):
            runs.append(
                AppAloneRun(
                    _cpu_us_per_call(lambda: _call(mock, environ), calls),
                    _cpu_us_per_call(lambda: _call_bare(scope), calls),
                )
            )
            print(
                f"app alone: mock {runs[-1].mock_us:,.0f} us, bare {runs[-1].bare_us:,.0f} us"
                " CPU per request",
                flush=True,
            )
        return runs
    finally:
        mock.close()


def medians(runs: list[AppAloneRun]) -> AppAloneRun:
    return AppAloneRun(
        statistics.median(run.mock_us for run in runs),
        statistics.median(run.bare_us for run in runs),
    )
