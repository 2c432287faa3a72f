"""`python -m mockserver`: the command line (cli.py), on Linux, macOS and Windows."""

from __future__ import annotations


def run() -> None:
    from .cli import main

    main()


if __name__ == "__main__":
    run()
