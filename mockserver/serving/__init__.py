"""How the mock is served: the only part that knows sockets, processes and threads.

    serve             `python -m mockserver`: gunicorn's master and workers, or
                      Werkzeug's reloader with --reload
    waitress_worker   inside each gunicorn worker, waitress's event loop: slow and
                      idle clients hold a socket, not a thread
    event_map         the loop's socket map on the system's selector (epoll, kqueue,
                      poll), whose cost per turn follows the busy sockets
    loop_dispatch     which thread answers a complete request: the loop itself, or
                      the pool's threads for requests that may wait
    inprocess         a thread on a free port, for tests and the contract suite
    listen            the address checked before serving; the URLs to print
    private_api       every name of waitress's and gunicorn's insides used, checked
                      at start-up; the only module importing either

Why the stack is built this way, with the figures, is in benchmarks/README.md.
"""
