"""What ZITADEL's List RPCs share: text queries (`zitadel.object.v2.TextQueryMethod`), timestamp queries, paging
(`ListQuery`: offset, limit, asc) and the `ListDetails` of the answer. Source: ZITADEL `internal/query/search_query.go`
and `internal/api/grpc/object/v2/object.go`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import fail
from .protojson import timestamp

T = TypeVar("T")

# A ListQuery without a limit answers ZITADEL's default page; more than the maximum is refused (SystemDefaults).
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

_TEXT: dict[str, Callable[[str, str], bool]] = {
    "TEXT_QUERY_METHOD_EQUALS": lambda value, wanted: value == wanted,
    "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE": lambda value, wanted: value.casefold() == wanted.casefold(),
    "TEXT_QUERY_METHOD_STARTS_WITH": lambda value, wanted: value.startswith(wanted),
    "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE": lambda value, wanted: value.casefold().startswith(wanted.casefold()),
    "TEXT_QUERY_METHOD_CONTAINS": lambda value, wanted: wanted in value,
    "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE": lambda value, wanted: wanted.casefold() in value.casefold(),
    "TEXT_QUERY_METHOD_ENDS_WITH": lambda value, wanted: value.endswith(wanted),
    "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE": lambda value, wanted: value.casefold().endswith(wanted.casefold()),
}
TEXT_METHODS = tuple(_TEXT)
TIMESTAMP_METHODS = (
    "TIMESTAMP_QUERY_METHOD_EQUALS",
    "TIMESTAMP_QUERY_METHOD_GREATER",
    "TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS",
    "TIMESTAMP_QUERY_METHOD_LESS",
    "TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS",
)


def text_matches(value: str, wanted: str, method: Any = None) -> bool:
    """`value` against a text query; an absent method is EQUALS (the enum's zero), an unknown number is refused."""
    compare = _TEXT.get(_name(method, TEXT_METHODS))
    if compare is None:
        raise fail(3, None, f"text query method {method} is unknown")
    return compare(value, wanted)


def timestamp_matches(value: float, wanted: float, method: Any = None) -> bool:
    name = _name(method, TIMESTAMP_METHODS)
    if name == "TIMESTAMP_QUERY_METHOD_EQUALS":
        return value == wanted
    if name == "TIMESTAMP_QUERY_METHOD_GREATER":
        return value > wanted
    if name == "TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS":
        return value >= wanted
    if name == "TIMESTAMP_QUERY_METHOD_LESS":
        return value < wanted
    if name == "TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS":
        return value <= wanted
    raise fail(3, None, f"timestamp query method {method} is unknown")


def _name(method: Any, names: tuple[str, ...]) -> str:
    if method is None:
        return names[0]
    if isinstance(method, int):
        return names[method] if 0 <= method < len(names) else str(method)
    return str(method)


def page(items: Sequence[T], query: dict[str, Any] | None, sort_key: Callable[[T], Any] | None = None) -> list[T]:
    """One page of `items`: `offset` and `limit` of a ListQuery; with a sorting column (`sort_key`) ordered by it,
    descending unless `asc` (without one, ZITADEL orders nothing: the mock keeps creation order)."""
    query = query or {}
    limit = int(query.get("limit") or DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise fail(3, None, f"limit must not exceed {MAX_LIMIT}")
    offset = int(query.get("offset") or 0)
    ordered = list(items)
    if sort_key is not None:
        ordered.sort(key=sort_key, reverse=not query.get("asc"))
    return ordered[offset : offset + limit]


def list_details(total: int, now: float) -> dict[str, Any]:
    """`zitadel.object.v2.ListDetails`: how many match in all (protojson leaves out 0), when the data was read."""
    details = {"timestamp": timestamp(now)}
    if total:
        details["totalResult"] = str(total)
    return details
