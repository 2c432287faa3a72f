"""How the mock is served: the only part that knows sockets, processes and threads.

    serve             `python -m mockserver`: gunicorn's master and workers, or
                      Werkzeug's reloader with --reload
    waitress_worker   inside each gunicorn worker, waitress's event loop: slow and
                      idle clients hold a socket, not a thread
    epoll_map         the loop's socket map, whose cost per turn follows the busy
                      sockets rather than the open ones
    loop_dispatch     which thread answers a complete request: the loop itself, or
                      the pool's threads for requests that may wait
    inprocess         a thread on a free port, for tests and the contract suite
    listen            the address checked before serving; the URLs to print

Why the stack is built this way, with the figures, is in benchmarks/README.md.
"""
