"""The insides of waitress and gunicorn that the serving stack uses, in one place, checked
once at start-up.

The event loop, the header timeout and the loop's own answers need more of waitress than
its public `serve()`: its socket map, its channels' state, its parser's buffer; and the
master's SIGHUP and listeners are gunicorn's own attributes. A later release may rename
any of them, and a worker that met the change mid-request would crash and be respawned in
a loop. So this module is the only one that imports waitress or gunicorn (import-linter
checks it), `INSIDES` names every attribute the mock reaches of theirs, and
`check_insides()` looks for each before anything is served: a version that lacks one
stops the mock with one line naming the package, the version found and the one the mock
is tested with. pyproject.toml pins both to that version (README.md, dependency notes).
"""

# ruff: noqa: E402  (the imports of waitress and gunicorn follow their check)
from __future__ import annotations

import dis
import importlib
import inspect
from importlib import metadata

from ..errors import UnsupportedDependency

# The versions the mock is tested with; pyproject.toml and requirements.txt pin them.
TESTED = {"waitress": "3.0.2", "gunicorn": "27.0.1"}

# module -> {class or "" for the module itself: the attributes used}. An attribute counts
# as present if the class has it or one of its methods sets it on the instance; a name in
# parentheses is a keyword argument of the class's constructor.
INSIDES: dict[str, dict[str, tuple[str, ...]]] = {
    "waitress.wasyncore": {
        "": ("read", "write"),
        "dispatcher": ("_fileno", "_map", "accepting", "connected", "readable", "writable"),
    },
    "waitress.server": {
        "TcpWSGIServer": (
            "(_sock)",
            "(sockinfo)",
            "(bind_socket)",
            "(dispatcher)",
            "channel_class",
            "maintenance",
            "active_channels",
            "adj",
        ),
    },
    "waitress.channel": {
        "HTTPChannel": (
            "parser_class",
            "error_task_class",
            "request",
            "requests",
            "will_close",
            "last_activity",
            "outbuf_lock",
            "service",
            "handle_write",
            "server",
        ),
    },
    "waitress.parser": {
        "HTTPRequestParser": (
            "received",
            "header_plus",
            "headers_finished",
            "parse_header",
            "error",
            "completed",
            "path",
            "headers",
            "request_uri",
            "command",
        ),
    },
    "waitress.task": {
        "ErrorTask": (
            "execute",
            "channel",
            "request",
            "status",
            "response_headers",
            "set_close_on_finish",
            "content_length",
            "write",
        ),
        "ThreadedTaskDispatcher": ("add_task", "set_thread_count", "shutdown"),
    },
    "waitress.utilities": {
        "BadRequest": ("code", "reason"),
        "RequestEntityTooLarge": ("code", "reason"),
    },
    "waitress.adjustments": {
        "Adjustments": ("channel_timeout", "connection_limit"),
    },
    "gunicorn.arbiter": {"Arbiter": ("handle_hup", "handle_term", "LISTENERS")},
    "gunicorn.workers.base": {
        "Worker": ("alive", "notify", "sockets", "wsgi", "cfg", "ppid", "app"),
    },
    "gunicorn.app.base": {"BaseApplication": ("cfg", "load_config", "load")},
}


def check_insides() -> None:
    """Raise UnsupportedDependency, one line, if an installed version lacks a name in INSIDES."""
    for module_name, owners in INSIDES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            _refuse(module_name, module_name)
        for owner_name, attributes in owners.items():
            owner = getattr(module, owner_name, None) if owner_name else module
            if owner is None:
                _refuse(module_name, f"{module_name}.{owner_name}")
            for attribute in attributes:
                if not _has(owner, attribute):
                    _refuse(module_name, f"{owner_name or module_name}.{attribute.strip('()')}")


def _has(owner: object, attribute: str) -> bool:
    if attribute.startswith("("):
        return attribute[1:-1] in inspect.signature(owner).parameters
    if hasattr(owner, attribute) or not inspect.isclass(owner):
        return hasattr(owner, attribute)
    return any(
        instruction.opname == "STORE_ATTR" and instruction.argval == attribute
        for cls in owner.__mro__
        for function in vars(cls).values()
        if inspect.isfunction(function)
        for instruction in dis.get_instructions(function)
    )


def _refuse(module_name: str, missing: str) -> None:
    package = module_name.partition(".")[0]
    try:
        found = metadata.version(package)
    except metadata.PackageNotFoundError:
        found = "(version unknown)"
    raise UnsupportedDependency(
        f"{package} {found} lacks {missing}, which the mock uses; it runs with "
        f"{package} {TESTED[package]} (pip install '{package}=={TESTED[package]}')"
    )


# Checked as this module is first imported (before `python -m mockserver` serves), so a
# missing class below is reported as such, not as an ImportError's traceback.
check_insides()

# What the rest of the serving stack takes from them: every import of either is here.
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import BadRequest, RequestEntityTooLarge
from waitress.wasyncore import read as handle_read
from waitress.wasyncore import write as handle_write

__all__ = [
    "Adjustments",
    "Arbiter",
    "BadRequest",
    "BaseApplication",
    "ErrorTask",
    "HTTPChannel",
    "HTTPRequestParser",
    "RequestEntityTooLarge",
    "TcpWSGIServer",
    "ThreadedTaskDispatcher",
    "Worker",
    "check_insides",
    "handle_read",
    "handle_write",
    "listening_port",
    "output_lock",
]


def output_lock(channel: HTTPChannel):
    """The lock a channel's task holds while it sends its output."""
    return channel.outbuf_lock


def listening_port(arbiter: Arbiter) -> int:
    """The port gunicorn's master listens on (the first listener's)."""
    return arbiter.LISTENERS[0].sock.getsockname()[1]
