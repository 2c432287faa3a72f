"""mockserver.cli and the mock it serves, `python -m mockserver`, as a subprocess."""

import socket
import subprocess
import sys

import pytest
import requests

from mockserver.cli import config_from_args
from mockserver.config import Latency, MockConfig

TOKEN = "X-Tidepool-Session-Token"


def test_no_arguments_give_the_default_config():
    assert config_from_args([]) == (MockConfig(), False)


def test_a_config_gives_the_arguments_that_give_it_back(tmp_path):
    """running_mock() starts `python -m mockserver` with MockConfig.as_arguments()."""
    spec = tmp_path / "s.yaml"
    spec.write_bytes(MockConfig().spec_path.read_bytes())
    config = MockConfig(
        spec_path=spec,
        host="::1",
        allowed_hosts=("mock.test",),
        port=1234,
        accounts_path=tmp_path / "a.yaml",
        journal_file=tmp_path / "j.sqlite3",
        max_events=5,
        latency=Latency(100, 500),
        fail_rate=0.25,
        cors_origins=("http://localhost:3000", "loopback"),
        allow_remote_changes=True,
        forward_cookies=True,
        workers=3,
        threads=2,
        upstream="http://127.0.0.1:9",
        forward_metrics=True,
        upstream_timeout_s=2.5,
        header_timeout_s=3.0,
        body_timeout_s=4.0,
        plan_path=tmp_path / "plan.yaml",
    )
    assert config_from_args(config.as_arguments()) == (config, False)


def test_every_option_reaches_the_config(tmp_path):
    config, reload = config_from_args(
        [
            "--spec",
            "s.yaml",
            "--host",
            "0.0.0.0",
            "--port",
            "1234",
            "--accounts",
            "a.yaml",
            "--journal-file",
            "j.sqlite3",
            "--max-events",
            "5",
            "--latency",
            "100-500",
            "--fail-rate",
            "0.25",
            "--cors-origin",
            "http://localhost:3000",
            "--workers",
            "3",
            "--threads",
            "2",
            "--reload",
        ]
    )
    assert reload is True
    assert (str(config.spec_path), config.host, config.port, str(config.accounts_path)) == (
        "s.yaml",
        "0.0.0.0",
        1234,
        "a.yaml",
    )
    assert (str(config.journal_file), config.max_events, config.latency) == (
        "j.sqlite3",
        5,
        Latency(100, 500),
    )
    assert (config.fail_rate, config.cors_origins, config.workers, config.threads) == (
        0.25,
        ("http://localhost:3000",),
        3,
        2,
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ["--latency", "slow"],
        ["--fail-rate", "2"],
        ["--fail-rate", "x"],
        ["--max-events", "0"],
        ["--workers", "-1"],
        ["--bogus"],
    ],
)
def test_bad_arguments_exit_with_one_line_naming_the_option(arguments, capsys):
    with pytest.raises(SystemExit) as raised:
        config_from_args(arguments)
    error = capsys.readouterr().err
    assert raised.value.code == 2 and arguments[0] in error
    assert error.endswith("(--help lists the options)\n") and len(error.splitlines()) == 1


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("--latncy", "--latency"), ("--acounts", "--accounts"), ("--fail_rate", "--fail-rate")],
)
def test_a_mistyped_option_gets_the_nearest_one(typed, meant, capsys):
    with pytest.raises(SystemExit):
        config_from_args([typed, "1"])
    (line,) = capsys.readouterr().err.splitlines()
    assert f"unrecognized arguments: {typed} 1; did you mean {meant}?" in line


def run_mock(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "1", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("option", ["--accounts", "--spec"])
def test_a_missing_file_is_named_with_its_option(option, tmp_path):
    missing = tmp_path / "nonexistent.yaml"
    result = run_mock(option, str(missing))

    assert result.returncode == 1
    assert result.stderr == f"mockserver: {option} {missing}: No such file or directory\n"


@pytest.mark.parametrize(
    ("plan", "problem"),
    [
        ("clients: [{name: blip, events: [{name: x, colour: red}]}]\n", "clients[0].events[0]"),
        ("clients: [\n", "not YAML"),
        (None, "cannot read it"),
    ],
    ids=["unknown key", "not YAML", "missing"],
)
def test_a_plan_it_cannot_read_stops_the_mock_in_one_line_naming_the_place(tmp_path, plan, problem):
    path = tmp_path / "plan.yaml"
    if plan is not None:
        path.write_text(plan, encoding="utf-8")
    result = run_mock("--plan", str(path))

    assert result.returncode == 1
    assert result.stderr.startswith(f"mockserver: --plan {path}: ")
    assert problem in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_an_upstream_without_a_scheme_is_shown_the_url_it_may_mean():
    result = run_mock("--upstream", "127.0.0.1:8700")

    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("--upstream http://127.0.0.1:8700"), result.stderr


def test_a_password_in_a_mistyped_value_is_masked(capsys):
    with pytest.raises(SystemExit):
        config_from_args(["--latency", "1", "https://user:secret-pw@example.org"])
    error = capsys.readouterr().err
    assert "secret-pw" not in error and "https://***@example.org" in error


def test_the_help_names_what_serves():
    text = subprocess.run(
        [sys.executable, "-m", "mockserver", "--help"], capture_output=True, text=True, timeout=60
    ).stdout

    assert "event loop" in " ".join(text.split())


def test_the_served_mock_prints_url_credentials_and_events_but_no_secrets(start_cli_mock, tmp_path):
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(
        "users: [{username: alice, password: pw-alice-123}]\n"
        "servers: [{name: worker, secret: sec-worker-123}]\n",
        encoding="utf-8",
    )
    with (
        start_cli_mock("--accounts", str(accounts), "--workers", "2") as mock,
        requests.Session() as http,
    ):
        login = http.post(mock.url + "/auth/login", auth=("alice", "pw-alice-123"))
        token = login.headers[TOKEN]
        server = http.post(
            mock.url + "/auth/serverlogin",
            headers={
                "X-Tidepool-Server-Name": "worker",
                "X-Tidepool-Server-Secret": "sec-worker-123",
            },
        )
        assert (
            http.get(
                mock.url + "/metrics/thisuser/Viewed%20Page?tab=one", headers={TOKEN: token}
            ).status_code
            == 200
        )
        assert (
            http.get(
                mock.url + "/metrics/server/worker/Sync", headers={TOKEN: server.headers[TOKEN]}
            ).status_code
            == 200
        )
        assert http.post(mock.url + "/auth/login", auth=("alice", "wrong")).status_code == 401
        assert (
            http.get(mock.url + "/metrics/thisuser/Nope", headers={TOKEN: "forged"}).status_code
            == 401
        )
        checked = http.get(mock.url + f"/auth/token/{token}", headers={TOKEN: "forged"})
        assert checked.status_code == 401
        # However a client spells a token into the target, the terminal never shows it.
        for target in (f"/auth//token/{token}", f"/auth/token%2F{token}"):
            assert http.get(mock.url + target).status_code in (401, 404)
        http.get(mock.url + f"/metrics/thisuser/Nope?access_token={token}&Password=pw-alice-123")
        http.get(mock.url + f"/metrics/thisuser/Kept?token={token}", headers={TOKEN: token})
        assert http.get(mock.url + "/__mock/status").json()["credentials"]["users"] == ["alice"]
    output = mock.output()
    assert "refused 401 GET /metrics/thisuser/Nope  The session token is not valid" in output
    assert "refused 401 POST /auth/login  Unknown username" in output
    assert "refused 401 GET /auth/token/<token>" in output
    assert "refused 404 GET /auth/token/<token>" in output
    assert "GET /metrics/thisuser/Nope?access_token=***&Password=***" in output
    assert "Kept  user " in output and "token=***" in output
    assert f"serving    {mock.url}" in output and "alice" in output
    assert (
        "Viewed Page  user " in output and "tab=one" in output and "Sync  server worker" in output
    )
    for secret in (token, server.headers[TOKEN], "pw-alice-123", "sec-worker-123"):
        assert secret not in output


def test_the_server_keeps_connections_alive(start_cli_mock):
    request = b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with (
        start_cli_mock() as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=5) as connection,
    ):
        for _ in range(3):  # three requests on one connection
            connection.sendall(request)
            answer = connection.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200") and b"connection: close" not in answer.lower()


def test_tokens_are_valid_in_every_worker_and_after_a_restart(start_cli_mock, tmp_path):
    journal = tmp_path / "kept.sqlite3"
    with start_cli_mock("--workers", "2", "--journal-file", str(journal)) as mock:
        token = requests.post(mock.url + "/auth/login", auth=("a", "b"), timeout=5).headers[TOKEN]
        statuses = set()
        for _ in range(20):  # new connections, spread over both workers by the kernel
            statuses.add(
                requests.get(
                    mock.url + "/metrics/thisuser/e",
                    headers={TOKEN: token, "Connection": "close"},
                    timeout=5,
                ).status_code
            )
        assert statuses == {200}
    with start_cli_mock("--journal-file", str(journal)) as again:
        assert (
            requests.get(
                again.url + "/metrics/thisuser/e", headers={TOKEN: token}, timeout=5
            ).status_code
            == 200
        )
        assert len(requests.get(again.url + "/__mock/events", timeout=5).json()["events"]) == 21


def test_a_bad_spec_stops_the_command_with_the_reason_not_a_traceback(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /x:\n    get:\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--spec", str(spec), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "needs an operationId" in result.stderr
    assert "Traceback" not in result.stderr
