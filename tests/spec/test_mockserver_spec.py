"""spec/mockserver.v1.yaml, the mock's own API: valid, complete, and what the mock answers."""

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import ignored_auth
from werkzeug.routing import Rule

from mockserver.auth.accounts import DEFAULT_SERVER_SECRET
from mockserver.config import MockConfig
from mockserver.own_api import ROUTES
from mockserver.routes import openapi_path
from mockserver.running import running_mock

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "mockserver.v1.yaml"
# With a plan, so that the `plan` filter is valid and the listing shows verdicts.
PLAN = ROOT / "examples" / "tracking-plan.yaml"
DOCUMENT = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
schema = schemathesis.openapi.from_path(SPEC_PATH)
WAIT_CUT_S = 0.2


def test_the_document_is_valid_openapi():
    validate(DOCUMENT)


def _openapi_path(rule: Rule) -> str:
    path = openapi_path(rule.rule)
    return path.rstrip("/") or "/"


def test_every_route_of_the_mock_is_documented_under_its_operation_id_and_nothing_else():
    routed = {
        (operation_id, _openapi_path(rule), method.lower())
        for operation_id, (rule, _) in ROUTES.items()
        for method in rule.methods - {"HEAD"}
    }
    documented = {
        (operation["operationId"], path, method)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    assert routed == documented


def test_the_default_server_secret_is_the_documented_one():
    parameters = DOCUMENT["paths"]["/auth/serverlogin"]["post"]["parameters"]
    assert {p["name"]: p["example"] for p in parameters}[
        "X-Tidepool-Server-Secret"
    ] == DEFAULT_SERVER_SECRET


@pytest.fixture(scope="module")
def mock_url():
    with running_mock(MockConfig(plan_path=PLAN)) as mock:
        yield mock.url


@schema.parametrize()
@settings(max_examples=25)
def test_the_mock_answers_as_its_spec_says(case, mock_url):
    # ignored_auth expects made-up Basic credentials to be refused; by default, and as
    # documented, any username and password log in.
    if isinstance(case.query, dict) and "wait" in case.query:
        # A listing may wait up to a minute for an event none of these cases sends: the
        # wait itself is tested in tests/mock/test_waits.py, here it is cut short.
        case.query["wait"] = WAIT_CUT_S
    case.call_and_validate(base_url=mock_url, excluded_checks=[ignored_auth])
