"""The mock's former server: gunicorn's `gthread` worker, a thread per connection
being read, so that clients which stall inside their headers hold every thread.

`python -m benchmarks.gthread_mock --port P` serves the mock so; `make bench` measures it
beside the current server (the runner-up that was replaced).
"""

import argparse

from mockserver.app import MockApp
from mockserver.config import MockConfig
from mockserver.serving.serve import GunicornMock


class GthreadMock(GunicornMock):
    def load_config(self) -> None:
        super().load_config()
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", self.mock_config.threads)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=MockConfig.workers)
    parser.add_argument("--threads", type=int, default=MockConfig.threads)
    args = parser.parse_args()
    config = MockConfig(port=args.port, workers=args.workers, threads=args.threads)
    GthreadMock(MockApp(config), config).run()
