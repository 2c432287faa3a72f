"""Makes Python on Linux look like Windows' or macOS's as far as the mock could tell: no
`fcntl` (Windows has none: `import fcntl` fails), no `select.epoll` and no `select.EPOLL*`
names (so `selectors` and asyncio pick poll, as they pick kqueue on macOS and select on
Windows), and new processes spawned, not forked (so granian's workers get their app as
Windows and macOS give it: pickled). On PYTHONPATH, it runs before anything is imported,
in every process started with that environment; tests/mock/test_portable.py puts it there."""

import select
import sys

sys.modules["fcntl"] = None  # `import fcntl` raises ImportError from here on
for name in [name for name in dir(select) if name == "epoll" or name.startswith("EPOLL")]:
    delattr(select, name)

# Only now: multiprocessing imports selectors, which chooses its selector once, on import.
import multiprocessing  # noqa: E402

multiprocessing.set_start_method("spawn")
