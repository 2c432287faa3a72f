"""`python -m mockserver`: first what the mock needs of the system and of its dependencies,
each refused in one line, then the command line (cli.py)."""

from __future__ import annotations

import sys

from .errors import UnsupportedDependency

NATIVE_WINDOWS = (
    "mockserver: runs on Linux and macOS; on Windows, run it under WSL2 "
    "(https://learn.microsoft.com/windows/wsl/install)"
)


def run() -> None:
    if sys.platform == "win32":  # gunicorn and the journal's file locks need POSIX
        sys.exit(NATIVE_WINDOWS)
    try:
        from .serving import private_api  # noqa: F401  (its import checks waitress and gunicorn)
    except UnsupportedDependency as error:
        sys.exit(f"mockserver: {error}")
    from .cli import main

    main()


if __name__ == "__main__":
    run()
