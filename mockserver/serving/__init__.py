"""How the mock is served: the only part that knows sockets, processes and the server.

    serve             `python -m mockserver`: granian's workers (and its reloader with
                      --reload), the journal made and the banner printed before them
    asgi              the thin adapter: an ASGI request in, admission, the body read
                      within its bounds, MockApp's answer out (delays on the loop)
    waits             listings that wait for an event: one journal watcher per worker,
                      on its event loop, no thread per wait
    listen            the address checked before serving; the open-files limit; the
                      URLs to print

Why granian, with the figures: benchmarks/README.md.
"""
