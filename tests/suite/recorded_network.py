"""`python recorded_network.py ARGS` runs `python -m contract_tests ARGS`, recording every
connection it begins, so that a test can prove that a guard stopped the suite before any.

Every TCP connection the suite's HTTP client (urllib3) opens starts with
`socket.getaddrinfo`, for a host name and an IP literal alike; each call is appended to the
file named by RECORDED_NETWORK_LOG. Names listed in RECORDED_NETWORK_LOCAL_NAMES
(comma-separated) resolve to 127.0.0.1, so that a test can play a remote-looking host on
this machine; any other name fails as an unknown host would, without asking DNS.
"""

from __future__ import annotations

import os
import runpy
import socket
import sys

LOG = "RECORDED_NETWORK_LOG"
LOCAL_NAMES = "RECORDED_NETWORK_LOCAL_NAMES"
# A host name that looks remote, for the tests to list in LOCAL_NAMES.
REMOTE_LOOKING = "qa-build.example.org"
_real_getaddrinfo = socket.getaddrinfo


def _recorded_getaddrinfo(host, port, *args, **kwargs):
    with open(os.environ[LOG], "a", encoding="utf-8") as log:
        log.write(f"{host} {port}\n")
    local = os.environ.get(LOCAL_NAMES, "").split(",")
    if isinstance(host, bytes):
        host = host.decode("ascii")
    if host in local:
        host = "127.0.0.1"
    elif host not in ("127.0.0.1", "::1", "localhost"):
        raise socket.gaierror(socket.EAI_NONAME, "not looked up: the tests reach no real host")
    return _real_getaddrinfo(host, port, *args, **kwargs)


if __name__ == "__main__":
    socket.getaddrinfo = _recorded_getaddrinfo
    sys.argv[0] = "contract_tests"
    runpy.run_module("contract_tests", run_name="__main__", alter_sys=True)
