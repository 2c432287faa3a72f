"""Which requests an operation accepts: the spec's `security` alternatives, applied.

The one decision point for "may this request call this operation, and as whom". What a
scheme accepts comes from the spec (`x-token-kinds`, read by spec.py); what a token means
comes from tokens.py. The reason for a refusal is kept so the mock can show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .. import errors
from ..errors import TokenRefused
from ..spec import Operation
from .accounts import Principal


class Unauthorized(Exception):
    """The request carries no token of a kind the operation accepts; the message says why."""


def authorize(
    operation: Operation,
    headers: Mapping[str, str],
    identify: Callable[[str], Principal | None],
) -> Principal | None:
    """The principal the request acts as (None: anonymous), if the operation accepts it.

    A token sent in a header that any of the operation's schemes reads must be valid, even
    where anonymous access is allowed (the spec's rule). Then the first alternative of the
    `security` list whose every scheme sees a token of its kinds names the principal; the
    empty alternative (`{}`) lets the request through as anonymous.
    """
    sent: dict[str, Principal] = {}
    for header in operation.token_headers:
        token = headers.get(header)
        if token is not None:
            try:
                principal = identify(token)
            except TokenRefused as refused:
                raise Unauthorized(str(refused)) from None
            if principal is None:
                raise Unauthorized(errors.TOKEN_NOT_VALID)
            sent[header] = principal
    for alternative in operation.security:
        if alternative and all(
            scheme.header in sent and sent[scheme.header].kind in scheme.token_kinds
            for scheme in alternative
        ):
            return sent[alternative[0].header]
    if () in operation.security:
        return None
    raise Unauthorized(errors.TOKEN_WRONG_KIND if sent else errors.TOKEN_MISSING)
