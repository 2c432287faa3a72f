"""One contract, any valid spelling: the two spec readers read the same facts from it.

The mock (mockserver/spec.py) and the suite (contract_tests/spec.py) read the spec each
their own way, on purpose. Each variant below states the canonical contract with other
things OpenAPI 3.0 allows; each is checked valid by openapi-spec-validator, both readers
must read from it what they read from spec/metrics.v1.yaml, and the suite must find that
the mock serving it keeps it. A spec that is not valid, or that names no operation or an
undefined security scheme, stops the suite with one line naming the place (exit 4).
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from contract_tests import spec as suite_spec
from mockserver.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = yaml.safe_load((ROOT / "spec" / "metrics.v1.yaml").read_text(encoding="utf-8"))
NOT_VERIFIED = 4


def _path_items(document: dict) -> Iterator[dict]:
    return iter(document["paths"].values())


def _operations(document: dict) -> Iterator[dict]:
    return (item["get"] for item in _path_items(document))


def path_items_with_summaries_servers_and_extensions(document: dict) -> None:
    for item in _path_items(document):
        item.update(summary="A path", description="Its words", servers=document["servers"][:1])
        item["x-owner"] = "metrics"
    for operation in _operations(document):
        operation["x-rate-limit"] = 5
    document["x-generated"] = False


def default_responses_beside_the_numbered_ones(document: dict) -> None:
    for operation in _operations(document):
        operation["responses"]["default"] = {"description": "Any other answer; no body."}


def refs_two_hops_deep(document: dict) -> None:
    components = document["components"]
    components["parameters"]["eventNameAgain"] = {"$ref": "#/components/parameters/eventName"}
    components["responses"]["RecordedAgain"] = {"$ref": "#/components/responses/Recorded"}
    components["securitySchemes"]["userTokenAgain"] = {
        "$ref": "#/components/securitySchemes/userToken"
    }
    for item in _path_items(document):
        item["parameters"] = [
            {"$ref": "#/components/parameters/eventNameAgain"}
            if parameter["$ref"].endswith("/eventName")
            else parameter
            for parameter in item["parameters"]
        ]
        item["get"]["responses"]["200"] = {"$ref": "#/components/responses/RecordedAgain"}
    document["paths"]["/metrics/thisuser/{eventName}"]["get"]["security"] = [{"userTokenAgain": []}]


def operation_parameters_overriding_path_ones(document: dict) -> None:
    """The path item names eventName without an example; each operation's own wins."""
    for item in _path_items(document):
        bare = {"name": "eventName", "in": "path", "required": True, "schema": {"type": "string"}}
        item["get"]["parameters"] = [{"$ref": "#/components/parameters/eventName"}]
        item["parameters"] = [
            bare if parameter["$ref"].endswith("/eventName") else parameter
            for parameter in item["parameters"]
        ]


def refs_forty_hops_deep(document: dict) -> None:
    """A chain longer than any fixed limit of hops a reader might keep (32 was one)."""
    parameters = document["components"]["parameters"]
    previous = "eventName"
    for hop in range(40):
        parameters[f"eventNameHop{hop}"] = {"$ref": f"#/components/parameters/{previous}"}
        previous = f"eventNameHop{hop}"
    for item in _path_items(document):
        item["parameters"] = [
            {"$ref": f"#/components/parameters/{previous}"}
            if parameter["$ref"].endswith("/eventName")
            else parameter
            for parameter in item["parameters"]
        ]


def a_server_without_a_description(document: dict) -> None:
    """OpenAPI makes `description` optional; without one a server has no environment name."""
    document["servers"].append({"url": "https://nameless.example.org"})


SAME_CONTRACT: dict[str, Callable[[dict], None]] = {
    function.__name__: function
    for function in (
        path_items_with_summaries_servers_and_extensions,
        default_responses_beside_the_numbered_ones,
        refs_two_hops_deep,
        operation_parameters_overriding_path_ones,
        refs_forty_hops_deep,
        a_server_without_a_description,
    )
}


def variant(change: Callable[[dict], None]) -> dict:
    document = copy.deepcopy(CANONICAL)
    change(document)
    return document


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "metrics.variant.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def suite_reads() -> Callable[[Path], dict]:
    """The suite's facts of a spec file."""

    def read(path: Path) -> dict:
        reading = suite_spec.read(path)
        return {
            op.operation_id: (
                op.method,
                op.path_template,
                op.path_params,
                op.security,
                op.token_header,
                op.documented_statuses,
                op.documented_ranges,
                op.success_status,
            )
            for op in reading.operations
        } | {"servers": reading.environments}

    return read


def mock_reads(path: Path) -> dict:
    """The mock's facts of a spec file, in the suite's terms."""
    api = load_spec(path)
    (header,) = api.token_headers
    return {
        op.operation_id: (
            op.method,
            op.path_template,
            op.path_params,
            tuple(
                tuple(scheme.token_kinds for scheme in alternative) for alternative in op.security
            ),
            header,
            op.documented_statuses,
            op.documented_ranges,
            op.success_status,
        )
        for op in api.operations
    } | {"servers": {name: url.rstrip("/") for name, url in api.servers.items()}}


def test_both_readers_read_the_same_facts_from_the_canonical_spec(suite_reads):
    path = ROOT / "spec" / "metrics.v1.yaml"
    facts = suite_reads(path)

    assert facts == mock_reads(path)
    assert len(facts) == 4  # three operations and the servers


@pytest.mark.parametrize("name", SAME_CONTRACT)
def test_a_valid_variant_reads_as_the_canonical_spec_in_both_readers(tmp_path, suite_reads, name):
    document = variant(SAME_CONTRACT[name])
    validate(document)
    path = write(tmp_path, document)

    facts = suite_reads(path)
    assert facts == mock_reads(path)
    assert facts == suite_reads(ROOT / "spec" / "metrics.v1.yaml")


def test_a_range_documents_every_status_in_it_and_answers_its_first(tmp_path, suite_reads):
    def success_by_range(document: dict) -> None:
        for operation in _operations(document):
            operation["responses"]["2XX"] = operation["responses"].pop("200")

    document = variant(success_by_range)
    validate(document)
    path = write(tmp_path, document)

    facts = suite_reads(path)
    assert facts == mock_reads(path)
    suite_operation = suite_spec.read(path).operations[0]
    assert suite_operation.success_status == 200 and suite_operation.is_success(204)
    assert not suite_operation.documents(500)


def run_suite(spec_file: Path, *options: str) -> subprocess.CompletedProcess:
    """`python -m contract_tests` against the in-process mock, which serves `spec_file` too."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "contract_tests",
            f"--spec-file={spec_file}",
            "--hypothesis-profile=quick",
            "-p",
            "no:cacheprovider",
            "-q",
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("name", SAME_CONTRACT)
def test_the_suite_finds_the_contract_kept_by_the_mock_serving_a_variant(tmp_path, name):
    done = run_suite(write(tmp_path, variant(SAME_CONTRACT[name])))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Verdict: the contract holds" in done.stdout


def test_a_server_without_a_description_cannot_be_chosen(tmp_path):
    path = write(tmp_path, variant(a_server_without_a_description))

    done = run_suite(path, "--env=None", "--collect-only")

    assert done.returncode == NOT_VERIFIED, done.stdout + done.stderr
    assert "unknown environment 'None'" in done.stderr
    assert "None" not in load_spec(path).servers
    assert "Traceback" not in done.stdout + done.stderr


def _invalid(document: dict) -> None:
    document["paths"]["/metrics/thisuser/{eventName}"]["get"]["responses"]["20O"] = {}


def _no_operations(document: dict) -> None:
    document["paths"] = {}


def _undefined_scheme(document: dict) -> None:
    document["paths"]["/metrics/thisuser/{eventName}"]["get"]["security"] = [{"nope": []}]


def _cyclic_references(document: dict) -> None:
    operation = document["paths"]["/metrics/thisuser/{eventName}"]["get"]
    operation["responses"]["200"] = {"$ref": "#/components/responses/A"}
    document["components"]["responses"]["A"] = {"$ref": "#/components/responses/B"}
    document["components"]["responses"]["B"] = {"$ref": "#/components/responses/A"}


@pytest.mark.parametrize(
    ("break_it", "place"),
    [
        (_invalid, "$.paths['/metrics/thisuser/{eventName}'].get.responses: "),
        (_no_operations, ": paths: no operation to test"),
        (_undefined_scheme, "paths./metrics/thisuser/{eventName}.get.security: no security"),
        (_cyclic_references, ": its $refs form a cycle"),
    ],
)
def test_a_spec_the_suite_cannot_read_stops_it_with_one_line_naming_the_place(
    tmp_path, break_it, place
):
    done = run_suite(write(tmp_path, variant(break_it)))
    output = done.stdout + done.stderr

    assert done.returncode == NOT_VERIFIED, output
    assert "Traceback" not in output
    (line,) = [line for line in output.splitlines() if place in line]
    assert line.startswith("ERROR: ") and str(tmp_path) in line


@pytest.mark.parametrize(
    "break_it",
    [_invalid, _no_operations, _undefined_scheme, _cyclic_references],
    ids=lambda break_it: break_it.__name__,
)
def test_both_readers_refuse_the_same_invalid_spec_with_one_line(tmp_path, suite_reads, break_it):
    path = write(tmp_path, variant(break_it))

    with pytest.raises(suite_spec.SpecProblem) as suite_refusal:
        suite_reads(path)
    with pytest.raises(SpecError) as mock_refusal:
        load_spec(path)

    # The mock's command line puts `--spec PATH` in front of its line (mockserver/cli.py).
    assert str(path) in str(suite_refusal.value)
    for refusal in (suite_refusal, mock_refusal):
        assert "\n" not in str(refusal.value)
