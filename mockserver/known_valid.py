"""Which spec documents the mock has found valid OpenAPI 3.0 before, so as not to ask again.

openapi-spec-validator takes longer to import and run than the rest of the mock's start
together (about 0.7 s here, against a target of 0.5 s for the whole start), and a spec
changes far less often than the mock starts. So the digest of each document found valid
(its bytes, with the validator's version) is kept as an empty file in the user's cache
folder; a document whose digest is there is not validated again. A document never found
valid is validated every time, so an invalid spec is always refused; a cache folder
that cannot be written only costs the time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_VALIDATOR = "openapi-spec-validator"


def cache_folder() -> Path:
    """The user's cache folder for the mock, as each system names it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tidepool-metrics-mock" / "valid-specs"


def _entry(document: bytes) -> Path:
    try:
        validator = version(_VALIDATOR)
    except PackageNotFoundError:
        validator = "unknown"
    digest = hashlib.sha256(validator.encode() + b"\0" + document).hexdigest()
    return cache_folder() / digest


def was_valid(document: bytes) -> bool:
    return _entry(document).is_file()


def remember_valid(document: bytes) -> None:
    entry = _entry(document)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.touch()
    except OSError:
        pass  # only the time of the next start is lost
