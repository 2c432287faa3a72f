"""schemathesis' own CLI, with the committed schemathesis.toml, gives the suite's verdicts.

`st run spec/metrics.v1.yaml --url URL -H "X-Tidepool-Session-Token: TOKEN"` is run from
the checkout, exactly as the README shows it, against servers on 127.0.0.1: the mock
passes, the mock broken to answer 500 to non-ASCII names fails, and without the committed
configuration the CLI raises false alarms on the mock (so the configuration is what
silences them). The suite itself builds its configuration in code: a schemathesis.toml in
its working directory changes nothing about it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from broken_servers import serving

from mockserver.app import MockApp
from mockserver.config import MockConfig

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")
TOKEN_HEADER = "X-Tidepool-Session-Token"


def answer_500_to_non_ascii_names(app: Callable) -> Callable:
    """The break: a server that fails on a name with any non-ASCII character (R5)."""

    def broken(environ: dict, start_response: Callable) -> list[bytes]:
        path = environ["RAW_URI"].partition("?")[0]
        if path.startswith("/metrics/") and not unquote(path).isascii():
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"cannot encode the name\n"]
        return app(environ, start_response)

    return broken


@contextmanager
def serving_mock(wrap: Callable[[Callable], Callable] = lambda app: app) -> Iterator[str]:
    """The mock's app, wrapped in a break or not, on 127.0.0.1 and a free port."""
    app = MockApp(MockConfig())
    try:
        with serving(wrap(app)) as base_url:
            yield base_url
    finally:
        app.close()


def log_in(base_url: str) -> str:
    """A user token, as the README gets one: POST /auth/login with HTTP Basic."""
    response = requests.post(f"{base_url}/auth/login", auth=("qa@example.org", "any"), timeout=10)
    response.raise_for_status()
    return response.headers[TOKEN_HEADER]


def st_run(base_url: str, *options: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The README's command, from `cwd` (where schemathesis looks for its configuration)."""
    token = log_in(base_url)
    command = [str(ST), "run", str(ROOT / "spec" / "metrics.v1.yaml"), "--url", base_url]
    done = subprocess.run(
        [*command, "-H", f"{TOKEN_HEADER}: {token}", "--no-color", *options],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert token not in done.stdout + done.stderr, "the CLI printed the session token"
    return done


def test_the_cli_passes_the_mock():
    with serving_mock() as base_url:
        done = st_run(base_url)
    output = done.stdout + done.stderr
    assert f"Configuration:    {ROOT / 'schemathesis.toml'}" in output, output
    assert done.returncode == 0, output
    assert "No issues found" in output, output


def test_the_cli_fails_a_server_that_breaks_on_non_ascii_names():
    with serving_mock(answer_500_to_non_ascii_names) as base_url:
        done = st_run(base_url)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Server error" in output, output
    assert "[500] Internal Server Error" in output, output


def test_without_the_configuration_the_cli_raises_false_alarms_on_the_mock(tmp_path: Path):
    """The proof that the committed file is what keeps the CLI quiet on a correct server."""
    (tmp_path / "schemathesis.toml").write_text("", encoding="utf-8")
    with serving_mock() as base_url:
        # The same cases on every run, so that the alarm does not depend on chance.
        done = st_run(base_url, "--generation-deterministic", cwd=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Schema-violating request accepted" in output, output


# ---- the suite never reads schemathesis.toml --------------------------------------------

# What the suite's generation, checks, phases and warnings are, operation by operation.
FINGERPRINT = """
import json, sys
from contract_tests.schema import load as suite_schema
import schemathesis
from contract_tests.spec import SPEC_PATH
schema = suite_schema(SPEC_PATH) if sys.argv[1] == "suite" else schemathesis.openapi.from_path(SPEC_PATH)
config = schema.config
print(json.dumps({"parent": repr(config._get_parent()), "operations": [
    [repr(getattr(config, name)(operation=result.ok(), **phase))
     for name in ("generation_for", "checks_config_for")
     for phase in ({}, {"phase": "examples"}, {"phase": "coverage"}, {"phase": "fuzzing"})]
    + [repr(config.phases_for(operation=result.ok())),
       repr(config.warnings_for(operation=result.ok())),
       repr(config.headers_for(operation=result.ok()))]
    for result in schema.get_all_operations()]}))
"""
HOSTILE_CONFIGURATION = """
headers = { X-Tidepool-Session-Token = "from-the-file" }
[generation]
mode = "negative"
max-examples = 1
[phases.examples]
enabled = false
[checks]
enabled = false
"""


def configuration_seen(cwd: Path, loader: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", FINGERPRINT, loader],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    """A directory whose schemathesis.toml would change every verdict, if read."""
    (tmp_path / "schemathesis.toml").write_text(HOSTILE_CONFIGURATION, encoding="utf-8")
    return tmp_path


def test_the_suite_ignores_a_schemathesis_toml_in_its_working_directory(
    hostile_dir, tmp_path_factory
):
    clean_dir = tmp_path_factory.mktemp("clean")
    assert configuration_seen(hostile_dir, "suite") == configuration_seen(clean_dir, "suite")


def test_the_fingerprint_would_see_a_configuration_file_that_was_read(
    hostile_dir, tmp_path_factory
):
    """The check above can fail: schemathesis' default loader does read the file."""
    clean_dir = tmp_path_factory.mktemp("clean")
    assert configuration_seen(hostile_dir, "default") != configuration_seen(clean_dir, "default")
