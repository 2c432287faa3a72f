"""Servers as subprocesses that are always stopped, whatever happens to the benchmark.

Each server runs in a process group of its own, so that stopping it also stops the
workers it forked (gunicorn, nginx) or the children npx spawned (Prism). Start-up time
is measured here too, from the moment the process is launched to its first 200 answer,
because that is when a developer running `make mock` can use it.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.005


class ServerError(RuntimeError):
    """A server did not start, with its own output to say why."""


@dataclass(frozen=True)
class Server:
    """A running server: its base URL, process and how long it took to answer 200."""

    url: str
    process: subprocess.Popen
    ready_after_s: float

    def pids(self) -> list[int]:
        """Every live process of the server's group: the master and all its workers."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The process name may contain spaces and parentheses: split after the last ')'.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == self.process.pid:  # field 5 of stat: the process group
                found.append(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's live processes have used so far.

        Per request, this is the figure that other load on the machine disturbs least.
        """
        ticks = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        """Resident memory of all the server's processes, added up (as `ps` shows it)."""
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, 4xx/5xx (URLError, HTTPError)
        return False


@contextlib.contextmanager
def serve(
    command: Sequence[str],
    url: str,
    probe_path: str,
    log_path: Path,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """Run `command` until the block ends; yield once `url + probe_path` answers 200."""
    with open(log_path, "wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            while not _answers_200(url + probe_path):
                if process.poll() is not None or time.monotonic() - started > READY_TIMEOUT_S:
                    raise ServerError(
                        f"{command[0]} did not answer 200 on {url + probe_path};"
                        f" its output:\n{log_path.read_text(errors='replace')[-2000:]}"
                    )
                time.sleep(POLL_INTERVAL_S)
            yield Server(url, process, time.monotonic() - started)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the whole group, then SIGKILL it if it has not gone in time."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; workers that outlive it still get the signal.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return
