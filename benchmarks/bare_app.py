"""The baseline the mock is held to: a Werkzeug app that answers 200 and does nothing else.

Served under the mock's own server configuration, the gap between the two is the cost of
the mock's work per request (routing from the spec, the token check, the SQLite journal),
not of the server around it.
"""

from werkzeug.wrappers import Request, Response


@Request.application
def app(request: Request) -> Response:
    return Response(status=200)
