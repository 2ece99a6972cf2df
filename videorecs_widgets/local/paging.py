"""The list operations' pages and their ``nextToken``: opaque, and stable while resources go.

A token names the sort key of the last item it returned (creation time, then ARN), not an
offset, so deleting what a page showed does not make the next page skip anything, and a
resource created meanwhile is listed where its key puts it. The token is that key as base64
JSON with the listing's name, behind a prefix and a short HMAC, so a token of another listing,
an offset such as ``"2"`` or a real service token is refused with InvalidNextTokenException
(the signature checks the format; it is no secret).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from videorecs_widgets.local.exceptions import InvalidNextTokenException

PREFIX = "vrw1."
DEFAULT_PAGE_SIZE = 100  # the service's default maxResults
_KEY = b"videorecs_widgets embedded engine page token"


def _signature(body: str) -> str:
    return hmac.new(_KEY, body.encode("ascii"), hashlib.sha256).hexdigest()[:16]


def encode_token(listing: str, after: list[Any]) -> str:
    """The token of the page that follows the item whose sort key is ``after``."""
    payload = json.dumps({"list": listing, "after": after}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii").rstrip("=")
    return f"{PREFIX}{body}.{_signature(body)}"


def decode_token(token: str, listing: str) -> list[Any]:
    """The sort key a token of ``listing`` continues after; InvalidNextTokenException if it is
    not one of this engine's tokens for that listing."""
    invalid = InvalidNextTokenException(f"The next token {token!r} is not valid.")
    body, _, signature = token.removeprefix(PREFIX).rpartition(".")
    if not token.startswith(PREFIX) or not hmac.compare_digest(signature, _signature(body)):
        raise invalid
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        raise invalid from None
    if payload.get("list") != listing or not isinstance(payload.get("after"), list):
        raise invalid
    return payload["after"]


def page(items: list[tuple[list[Any], dict]], listing: str, next_token: str | None,
         max_results: int | None) -> dict[str, Any]:
    """One page of ``items`` (pairs of sort key and summary, in any order) under ``listing``."""
    items = sorted(items, key=lambda pair: pair[0])
    if next_token:
        after = decode_token(next_token, listing)
        items = [pair for pair in items if pair[0] > after]
    size = max_results or DEFAULT_PAGE_SIZE
    out: dict[str, Any] = {listing: [summary for _, summary in items[:size]]}
    if len(items) > size:
        out["next_token"] = encode_token(listing, items[size - 1][0])
    return out
