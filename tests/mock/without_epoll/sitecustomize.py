"""Makes Python look like macOS's or a BSD's, as far as the event loop can tell: no
`select.epoll`, no `select.EPOLL*` names, so `selectors` picks what those systems would
(kqueue there; here, on Linux, poll). On PYTHONPATH, it runs before anything is imported;
tests/mock/test_without_epoll.py puts it there for the mock and the tests it runs."""

import select

for name in [name for name in dir(select) if name == "epoll" or name.startswith("EPOLL")]:
    delattr(select, name)
