"""The baseline the mock is held to: a Werkzeug app that answers 200 and does nothing else.

`python -m benchmarks.bare_app --port P` serves it with the mock's own gunicorn settings
(mockserver.serving.serve.GunicornMock: worker class, workers, threads, keep-alive, limits), so
the gap between the two is the cost of the mock's work per request (routing from the
spec, the token check, the SQLite journal), not of the server around it. Subclassing
rather than copying the settings keeps the two in step when the mock's change.
"""

import argparse

from werkzeug.wrappers import Request, Response

from mockserver.config import MockConfig
from mockserver.serving.serve import GunicornMock


@Request.application
def app(request: Request) -> Response:
    return Response(status=200)


class GunicornBare(GunicornMock):
    """The mock's server with the bare app: no banner, no journal to close."""

    def __init__(self, config: MockConfig) -> None:
        super().__init__(app, config)

    def may_be_slow(self, path, headers) -> bool:
        return False  # it answers at once, so the event loop answers it

    def keep_refusal(self, method, kept, status, reason) -> None:
        pass  # it keeps nothing, refused or not

    def _when_ready(self, arbiter) -> None:
        pass

    def _on_exit(self, arbiter) -> None:
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    GunicornBare(MockConfig(port=parser.parse_args().port)).run()
