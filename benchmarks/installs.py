"""What the peers and today's stack need, installed outside the repository on first use.

Everything lives in ~/.cache/tidepool-metrics-bench/, at pinned versions, so that no
node_modules or virtual environment is ever committed and a second run starts at once.
A missing tool (npm, Java 17+) raises `Unavailable` with one line that says what is
missing; the load part then goes on without that peer.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path.home() / ".cache" / "tidepool-metrics-bench"
PRISM_VERSION = "5.16.0"
WIREMOCK_VERSION = "3.13.2"
MOCKOON_VERSION = "9.9.0"
JAVA_NEEDED = 17
# Today's stack (gunicorn + waitress), kept measurable after its code is gone from HEAD.
PREVIOUS_COMMIT = "703cb45"
PREVIOUS_REQUIREMENTS = (
    "werkzeug==3.1.9",
    "gunicorn==27.0.1",
    "waitress==3.0.2",
    "pyyaml==6.0.3",
    "openapi-spec-validator==0.9.0",
    "urllib3==2.8.0",
    "cachetools==8.0.2",
    "requests==2.34.2",
)
PREVIOUS_VENV = CACHE / f"previous-{PREVIOUS_COMMIT}-venv"
_COMPLETE = ".complete"  # written last: a venv without it was interrupted and is redone


class Unavailable(RuntimeError):
    """A tool a target needs is missing; the message is one line saying which."""


def npm_package(package: str, version: str) -> Path:
    """The folder of `package@version`, installed with npm on first use (npx would
    re-resolve it on every start)."""
    prefix = _npm_prefix(package, version)
    folder = prefix / "node_modules" / package
    if not (folder / "package.json").exists():
        if not shutil.which("npm"):
            raise Unavailable(f"npm is missing: {package} {version} cannot be installed")
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *("npm", "install", "--prefix", str(prefix)),
                *("--no-audit", "--no-fund", "--loglevel=error"),
                f"{package}@{version}",
            ],
            check=True,
        )
    return folder


def npm_binary(package: str, version: str, name: str) -> Path:
    npm_package(package, version)
    return _npm_prefix(package, version) / "node_modules" / ".bin" / name


def _npm_prefix(package: str, version: str) -> Path:
    return CACHE / f"{package.replace('@', '').replace('/', '-')}-{version}"


def java() -> str:
    """The `java` on PATH, if it is at least JAVA_NEEDED."""
    found = shutil.which("java")
    if not found:
        raise Unavailable(f"Java {JAVA_NEEDED}+ is missing (no java on PATH)")
    banner = subprocess.run([found, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', banner)
    major = 0
    if match:  # Java 8 and older say "1.8.0_..."; from 9 on the first number is the major
        major = int(match.group(2) if match.group(1) == "1" else match.group(1))
    if major < JAVA_NEEDED:
        raise Unavailable(f"Java {JAVA_NEEDED}+ is missing (found {banner.splitlines()[0]})")
    return found


def wiremock_jar() -> Path:
    """The standalone jar the npm package `wiremock` carries."""
    return (
        npm_package("wiremock", WIREMOCK_VERSION)
        / "build"
        / (f"wiremock-standalone-{WIREMOCK_VERSION}.jar")
    )


def previous_python() -> Path:
    """The Python of a virtual environment with today's stack's dependencies."""
    python = PREVIOUS_VENV / "bin" / "python"
    if not (PREVIOUS_VENV / _COMPLETE).exists():
        shutil.rmtree(PREVIOUS_VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(PREVIOUS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *PREVIOUS_REQUIREMENTS], check=True
        )
        (PREVIOUS_VENV / _COMPLETE).touch()
    return python


def export_previous(into: Path) -> Path:
    """PREVIOUS_COMMIT's mockserver/ and spec/ in `into`, from git, whatever HEAD holds."""
    archive = into / "previous.tar"
    subprocess.run(
        [
            *("git", "-C", str(ROOT), "archive", "--format=tar", f"--output={archive}"),
            *(PREVIOUS_COMMIT, "mockserver", "spec"),
        ],
        check=True,
    )
    subprocess.run(["tar", "-xf", str(archive), "-C", str(into)], check=True)
    archive.unlink()
    return into
