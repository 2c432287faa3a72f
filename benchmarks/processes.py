"""Servers as subprocesses that are always stopped, whatever happens to the benchmark.

Each server runs in a process group of its own, so that stopping it also stops the
workers it forked (granian, gunicorn, nginx) or the children its launcher spawned. Its
CPU time and memory are read from /proc for its whole process tree (Linux only). Start-up time
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
        """The server's process tree: the process started and every live descendant (the
        workers of gunicorn, granian and nginx, the JVM or node children of a wrapper)."""
        children: dict[int, list[int]] = {}
        for entry in _PROC.iterdir():
            if entry.name.isdigit() and (fields := _stat(int(entry.name))):
                children.setdefault(int(fields[1]), []).append(int(entry.name))  # field 4: ppid
        tree, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server's live processes have used so far, or None
        where there is no /proc (not Linux).

        Per request, this is the figure that other load on the machine disturbs least.
        """
        if not _PROC.is_dir():
            return None
        ticks = sum(int(f[11]) + int(f[12]) for f in map(_stat, self.pids()) if f)  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_bytes(self) -> int:
        """Resident memory of all the server's processes, added up (as `ps` shows it)."""
        return sum(size for size in map(_rss_bytes, self.pids()) if size is not None)

    def rss_per_worker(self) -> tuple[float, int] | None:
        """Mean resident memory of the workers, and their number, or None without /proc.

        The workers are the leaves of the process tree: the children of a master that
        forks (gunicorn, granian, nginx), the process itself where there is one.
        """
        if not _PROC.is_dir():
            return None
        pids = self.pids()
        parents = {int(f[1]) for f in map(_stat, pids) if f}
        sizes = [_rss_bytes(pid) for pid in pids if pid not in parents]
        sizes = [size for size in sizes if size is not None]
        return (sum(sizes) / len(sizes), len(sizes)) if sizes else None


_PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the name (field 3 on), None if it has gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The process name may contain spaces and parentheses: split after the last ')'.
    return stat.rsplit(")", 1)[1].split()


def _rss_bytes(pid: int) -> int | None:
    try:
        status = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


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
