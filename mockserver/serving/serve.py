"""The two ways `python -m mockserver` serves: gunicorn and waitress for real use,
Werkzeug to develop.

gunicorn manages several worker processes (the app is CPU-bound, so one per core); in
each, waitress serves HTTP (waitress_worker.py), so that slow and idle clients hold no
thread. The app, and with it the journal file and the token-signing key, is created once
before the workers fork, so they all share one journal and accept each other's tokens.
See benchmarks/README.md for the figures behind this choice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from werkzeug.serving import is_running_from_reloader, run_simple

from ..app import MockApp
from ..config import MockConfig
from ..console import Feed, banner
from ..journal.store import delete_temporary_journal, new_temporary_path
from .inprocess import LimitedRequestHandler
from .listen import bind_address, check_address, urls
from .private_api import Arbiter, BaseApplication, listening_port
from .waitress_worker import WaitressWorker, raise_open_files_limit

GRACEFUL_TIMEOUT_S = 5
# Set by the reloading parent so that every reloaded child uses the same journal file.
RELOAD_JOURNAL_ENV = "MOCKSERVER_RELOAD_JOURNAL"


class GunicornMock(BaseApplication):
    def __init__(self, app: MockApp, config: MockConfig) -> None:
        self.application = app
        self.mock_config = config
        # Raised here, before the workers fork, so that the banner can say it.
        self.connection_limit = raise_open_files_limit()
        super().__init__()

    def load_config(self) -> None:
        config = self.mock_config
        settings = {
            "bind": [bind_address(config.host, config.port)],
            "workers": config.workers,
            # Threads, keep-alive, limits and the header timeout: see WaitressWorker.
            "worker_class": WaitressWorker,
            "graceful_timeout": GRACEFUL_TIMEOUT_S,
            "preload_app": True,
            # Warnings and errors only: the banner and the event lines are the output.
            "loglevel": "warning",
            "control_socket_disable": True,
            "when_ready": self._when_ready,
            "on_exit": self._on_exit,
        }
        for name, value in settings.items():
            self.cfg.set(name, value)

    def load(self) -> MockApp:
        return self.application

    def may_be_slow(self, path: str, headers: Mapping[str, str]) -> bool:
        """LoopDispatcher's question, put to the app; `headers` as waitress's parser names
        them."""
        return self.application.may_be_slow(path, sends_prefer="PREFER" in headers)

    def keep_refusal(self, method: str, kept: dict, status: int, reason: str) -> None:
        """What the server refuses before the app sees it (waitress's 400 and 431, the
        bounds' 414 and 431, a stalled request's cut), kept among the app's refusals."""
        self.application.keep_refusal(method, kept, status, reason)

    def _when_ready(self, arbiter) -> None:
        port = listening_port(arbiter)
        local, network = urls(self.mock_config.host, port)
        sys.stdout.write(banner(self.application, local, network, self.connection_limit) + "\n")
        sys.stdout.flush()

    def _on_exit(self, arbiter) -> None:
        self.application.close()

    def run(self) -> None:
        _StoppingOnHangUp(self).run()


class _StoppingOnHangUp(Arbiter):
    """gunicorn's master, except that closing the terminal (SIGHUP) stops the mock, as it
    stops any program started from a terminal, instead of reloading it."""

    handle_hup = Arbiter.handle_term


def serve(config: MockConfig) -> None:
    check_address(config.host, config.port)
    feed = Feed()
    GunicornMock(MockApp(config, on_events=feed.events, on_rejection=feed.rejection), config).run()


def serve_with_reloader(config: MockConfig) -> None:
    """Development mode: Werkzeug restarts the server when its code, the spec or the
    accounts file changes.

    The watching parent process picks the temporary journal once and hands it to each
    restarted child, so recorded events and issued tokens survive a reload; the parent
    deletes it when the mock stops.
    """
    if not is_running_from_reloader():
        check_address(config.host, config.port)
    owns_temporary_journal = config.journal_file is None and RELOAD_JOURNAL_ENV not in os.environ
    if owns_temporary_journal:
        os.environ[RELOAD_JOURNAL_ENV] = str(new_temporary_path())
    if config.journal_file is None:
        config = replace(config, journal_file=Path(os.environ[RELOAD_JOURNAL_ENV]))
    feed = Feed()
    app = MockApp(config, on_events=feed.events, on_rejection=feed.rejection)
    if is_running_from_reloader():
        print(banner(app, *urls(config.host, config.port)), flush=True)
    try:
        run_simple(
            config.host,
            config.port,
            app,
            use_reloader=True,
            # The spec and the accounts drive the mock as much as its code does.
            extra_files=[str(path) for path in (config.spec_path, config.accounts_path) if path],
            threaded=True,
            request_handler=LimitedRequestHandler.for_config(config),
        )
    finally:
        app.close()
        if owns_temporary_journal:
            delete_temporary_journal(config.journal_file)
