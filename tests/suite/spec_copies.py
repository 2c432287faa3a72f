"""Copies of the spec that a run may load instead of the shipped one, written for a test."""

from __future__ import annotations

from pathlib import Path

import yaml

from contract_tests.spec import SPEC_PATH


def without_production(folder: Path, rename: str | None = None) -> Path:
    """A copy whose `production` server is gone, or described as `rename`."""
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    servers = []
    for server in document["servers"]:
        if server.get("description") == "production":
            if rename is None:
                continue
            server = {**server, "description": rename}
        servers.append(server)
    document["servers"] = servers
    path = folder / f"spec-{rename or 'without-production'}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def with_production_at(folder: Path, url: str) -> Path:
    """A copy whose `production` server is `url` (a stand-in on this machine)."""
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    document["servers"] = [
        {**server, "url": url} if server.get("description") == "production" else server
        for server in document["servers"]
    ]
    path = folder / "spec-production-here.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
