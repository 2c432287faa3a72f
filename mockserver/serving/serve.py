"""How `python -m mockserver` serves: granian, through its public API, on every system.

granian (a maintained HTTP server with its I/O in Rust) runs the mock's ASGI adapter
(asgi.py) in `--workers` processes; its own reloader restarts them when the code, the
spec or the accounts file changes (`--reload`). This process checks the address, picks
the journal file (a temporary one unless --journal-file names one), creates it and the
token-signing key in it before any worker starts, prints the banner, and deletes a
temporary journal when the mock stops. Each worker opens the same journal file, so they
share events, refusals and tokens. Why granian, with the figures: benchmarks/README.md.
"""

from __future__ import annotations

import functools
import signal
from dataclasses import replace
from pathlib import Path

from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from ..app import MockApp, load_plan
from ..config import MockConfig
from ..console import Feed, banner
from ..journal.files import delete_temporary, new_temporary_path
from .asgi import AsgiMock
from .listen import check_address, raise_open_files_limit, urls

# Seconds a worker has to finish its answers when the mock stops.
GRACEFUL_TIMEOUT_S = 5
_PACKAGE = Path(__file__).resolve().parents[1]


def serve(config: MockConfig, reload: bool = False) -> None:
    check_address(config.host, config.port)
    temporary = config.journal_file is None
    if temporary:
        config = replace(config, journal_file=new_temporary_path())
    try:
        # Made here, before the workers: the journal's file and key, and every mistake in
        # the spec or the accounts, reported once, in one line (cli.py).
        app = MockApp(config)
        app.faults.reset()  # a restart goes back to the command line's faults
        connection_limit = raise_open_files_limit()
        local, network = urls(config.host, config.port)
        print(banner(app, local, network, connection_limit), flush=True)
        app.close()
        server = _server(config, reload, connection_limit)
        server.on_startup(functools.partial(_stop_on_hang_up, server))
        server.serve(target_loader=functools.partial(_load, config), wrap_loader=True)
    finally:
        if temporary:
            delete_temporary(config.journal_file)


def _server(config: MockConfig, reload: bool, connection_limit: int | None) -> Granian:
    watched = [
        _PACKAGE,
        config.spec_path,
        *([config.accounts_path] if config.accounts_path else []),
    ]
    return Granian(
        "mockserver",  # a name for granian's logs; the app comes from _load
        address=config.host,
        port=config.port,
        interface=Interfaces.ASGI,
        workers=config.workers,
        http=HTTPModes.http1,
        # granian lets a worker hold at most this many connections at once (by default its
        # backlog over the workers: 512 each), and makes the rest wait: idle browser tabs and
        # stalled clients must not lock out the next one, so as many as descriptors allow.
        backpressure=connection_limit,
        http1_settings=HTTP1Settings(
            header_read_timeout=round(config.header_timeout_s * 1000),
            keep_alive=True,
        ),
        websockets=False,
        # Warnings and errors only: the banner and the event lines are the output.
        log_level=LogLevels.warning,
        workers_kill_timeout=GRACEFUL_TIMEOUT_S,
        reload=reload,
        reload_paths=[Path(path) for path in watched],
    )


def _stop_on_hang_up(server: Granian) -> None:
    """Closing the terminal (SIGHUP) stops the mock, as it stops any program started from
    a terminal; granian would restart its workers instead and serve on, terminal-less."""
    if hasattr(signal, "SIGHUP"):  # POSIX
        signal.signal(signal.SIGHUP, server.signal_handler_interrupt)


def _load(config: MockConfig, _target: str) -> AsgiMock:
    """A worker's app (granian calls this in each worker process; it must pickle)."""
    raise_open_files_limit()
    plan = load_plan(config)  # one per worker, for its app's listings and its terminal lines
    feed = Feed(plan=plan)
    return AsgiMock(
        functools.partial(
            MockApp,
            config,
            on_events=feed.events,
            on_rejection=feed.rejection,
            on_faults=feed.faults,
            plan=plan,
        ),
        config.threads,
        config.body_timeout_s,
    )
