"""Cases per second of the contract suite beside a plain `schemathesis run`, same mock.

The suite does more per case than schemathesis alone (the auth matrix, the journal checks,
its own summary), so the question is what that costs: both run against one mock, one
after the other, with positive data only and a similar number of examples. Both count the
cases they generated in their own closing summary, which is what we read.
"""

import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.targets import ROOT, SPEC, TARGETS, TOKEN_HEADER, start_mock

# The suite's `ci` profile (conftest.py) runs this many examples per property test; the
# plain run gets as many per operation.
MAX_EXAMPLES = 100
TIMEOUT_S = 600
# The suite's "contract summary" (contract_tests/summary.py) and schemathesis's "Test cases".
_SUITE_CASES = re.compile(r"^Cases generated: (\d+)", re.MULTILINE)
_SCHEMATHESIS_CASES = re.compile(r"^\s+(\d+) generated", re.MULTILINE)


@dataclass(frozen=True)
class SuiteRun:
    command: str
    exit_code: int
    wall_s: float
    # None when the output carried no count; `note` then says what was missing.
    cases: int | None
    note: str = ""

    @property
    def cases_per_s(self) -> float | None:
        return self.cases / self.wall_s if self.cases is not None else None


def _run(command: list[str], base_url: str, pattern: re.Pattern, cwd: Path, env: dict) -> SuiteRun:
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    wall_s = time.monotonic() - started
    match = pattern.search(done.stdout)
    ending = " / ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
    shown = shlex.join(
        f"{TOKEN_HEADER}: TOKEN" if TOKEN_HEADER in part else part for part in command
    )
    return SuiteRun(
        command=shown.replace(f"{ROOT}/", "").replace(base_url, "URL"),
        exit_code=done.returncode,
        wall_s=wall_s,
        cases=int(match.group(1)) if match else None,
        note="" if match else f"no case count in its output, which ended: {ending}",
    )


def measure(workdir: Path) -> list[SuiteRun]:
    with start_mock(workdir) as server:
        token = TARGETS["mock"].headers(server)[TOKEN_HEADER]
        # Without TIDEPOOL_* credentials the suite logs in through the mock's own endpoints,
        # as it does for a developer; the plain run gets a user token from the same login.
        env = {
            name: value for name, value in os.environ.items() if not name.startswith("TIDEPOOL_")
        }
        suite = _run(
            [
                sys.executable,
                "-m",
                "pytest",
                "contract_tests",
                "--base-url",
                server.url,
                "--hypothesis-profile=ci",
            ],
            server.url,
            _SUITE_CASES,
            ROOT,
            env,
        )
        print(f"suite: {suite}", flush=True)
        # From the work directory, so that its .hypothesis/ and .schemathesis/ stay there.
        plain = _run(
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                str(SPEC),
                "--url",
                server.url,
                "--header",
                f"{TOKEN_HEADER}: {token}",
                "--mode",
                "positive",
                "--max-examples",
                str(MAX_EXAMPLES),
            ],
            server.url,
            _SCHEMATHESIS_CASES,
            workdir,
            env,
        )
        print(f"schemathesis run: {plain}", flush=True)
    return [suite, plain]
