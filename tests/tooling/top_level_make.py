"""The project's Makefile as a person runs it: a top-level `make` in the checkout.

When `make test` runs these tests, make hands its recipes MAKEFLAGS and every variable given
on its command line (`make test ARGS=...`), which the Makefile under test would read
as its own; none of that reaches the make these tests start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make") or "make"
# What a calling make passes down, and the variables this Makefile takes from its caller.
INHERITED = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
MAKEFILE_VARIABLES = {"ENV", "BASE_URL", "ARGS", "PORT", "HOST", "CHROMIUM_PATH", "PYTHON"}


def make(
    *args: str, cwd: Path = ROOT, path: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in INHERITED | MAKEFILE_VARIABLES}
    if path is not None:
        environ["PATH"] = path
    return subprocess.run(
        [MAKE, "--no-print-directory", "-f", str(ROOT / "Makefile"), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
