"""The baseline the mock is held to: an ASGI app that answers 200 and does nothing else.

`python -m benchmarks.bare_app --port P` serves it with granian as the mock is served
(the ASGI interface, 2 worker processes, HTTP/1), so the gap between the two is the cost
of the mock's work per request (routing from the spec, the token check, the journal),
not of the server around it. It is also the pass-through part's upstream.
"""

import argparse

from granian import Granian
from granian.constants import HTTPModes, Interfaces

WORKERS = 2


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":  # nothing to set up or tear down, but say so
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_app", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    Granian(
        "benchmarks.bare_app:app",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGI,
        workers=WORKERS,
        http=HTTPModes.http1,
    ).serve()


if __name__ == "__main__":
    main()
