"""Read a JSON body the way ZITADEL does, on REST as on Connect: protojson with `DiscardUnknown: true`
(grpc-gateway's and connect-go's decoders). So, by the request message's descriptor:

* a field may be named by its JSON name (`returnCode`) or its proto name (`return_code`);
* unknown fields, and enum names the enum lacks, are ignored; enum numbers are open (an unknown one is kept);
* `null` means "unset";
* the same field twice, or a second member of a oneof, is an error.

The result carries JSON names only and enum names where known, so the spec's schemas and the handlers see one form.
Source: google.golang.org/protobuf/encoding/protojson/decode.go (unmarshalMessage, unmarshalEnum).
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from ...errors import ApiError, Kind, clip
from . import protos

# Messages whose JSON form is not an object of fields: they pass through as sent (the schema checks them).
OPAQUE = frozenset(
    {
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.ListValue",
        "google.protobuf.Duration",
        "google.protobuf.Timestamp",
        "google.protobuf.Any",
    }
)


@dataclass(frozen=True, slots=True)
class Field:
    json_name: str
    number: int
    repeated: bool
    message: str | None  # the full name of a message field's type (a map's value type for maps)
    is_map: bool
    enum_names: frozenset[str] | None
    enum_by_number: dict[int, str] | None
    oneof: str | None  # the full name of a real oneof (proto3 `optional` makes synthetic ones, left out)


@dataclass(frozen=True, slots=True)
class MessageTable:
    full_name: str
    fields: dict[str, Field]  # by JSON name and by proto name


def _is_repeated(field: FieldDescriptor) -> bool:
    # protobuf 6.31 added `is_repeated`; `label` is gone in 7.
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else getattr(field, "label", 0) == FieldDescriptor.LABEL_REPEATED


def _field(field: FieldDescriptor) -> Field:
    message: Descriptor | None = field.message_type
    is_map = bool(message is not None and message.GetOptions().map_entry)
    if is_map and message is not None:
        value = message.fields_by_name["value"]
        message = value.message_type
        enum = value.enum_type
    else:
        enum = field.enum_type
    oneof = field.containing_oneof
    real_oneof = oneof is not None and not (len(oneof.fields) == 1 and oneof.name.startswith("_"))
    return Field(
        json_name=field.json_name,
        number=field.number,
        repeated=_is_repeated(field) and not is_map,
        message=message.full_name if message is not None else None,
        is_map=is_map,
        enum_names=frozenset(enum.values_by_name) if enum is not None else None,
        enum_by_number={v.number: v.name for v in enum.values} if enum is not None else None,
        oneof=oneof.full_name if oneof is not None and real_oneof else None,
    )


@functools.cache
def table(full_name: str) -> MessageTable:
    descriptor = protos.message_type(full_name)
    fields: dict[str, Field] = {}
    for field in descriptor.fields:
        entry = _field(field)
        fields[field.json_name] = entry
        fields[field.name] = entry
    return MessageTable(full_name, fields)


def _invalid(message: str, field: str) -> ApiError:
    return ApiError(Kind.INVALID, f"proto: {message}", details={"location": "body", "field": field})


def normalize(full_name: str, value: Any) -> Any:
    """`value` as protojson would read it into `full_name`; anything not an object is left for the schema."""
    if not isinstance(value, dict) or full_name in OPAQUE:
        return value
    fields = table(full_name).fields
    result: dict[str, Any] = {}
    seen: set[int] = set()
    oneofs: set[str] = set()
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            continue  # DiscardUnknown
        if field.number in seen:
            raise _invalid(f'duplicate field "{clip(key)}"', field.json_name)
        seen.add(field.number)
        if item is None:
            continue  # null: unset
        if field.oneof is not None:
            if field.oneof in oneofs:
                raise _invalid(f'error parsing "{clip(key)}", oneof {field.oneof} is already set', field.json_name)
            oneofs.add(field.oneof)
        converted = _value(field, item)
        if converted is not _UNSET:
            result[field.json_name] = converted
    return result


_UNSET = object()


def _value(field: Field, item: Any) -> Any:
    if field.is_map:
        if not isinstance(item, dict):
            return item
        return {key: _single(field, element) for key, element in item.items()}
    if field.repeated:
        if not isinstance(item, list):
            return item
        return [element for element in (_single(field, e) for e in item) if element is not _UNSET]
    return _single(field, item)


def _single(field: Field, item: Any) -> Any:
    if field.message is not None:
        return normalize(field.message, item)
    if field.enum_names is not None and field.enum_by_number is not None:
        if isinstance(item, float) and item.is_integer():
            item = int(item)  # protojson reads `1.0` (or `1e0`) as the number 1
        if isinstance(item, str):
            return item if item in field.enum_names else _UNSET  # an unknown name is discarded
        if isinstance(item, int) and not isinstance(item, bool):
            return field.enum_by_number.get(item, item)  # open enum: an unknown number stays a number
    return item


def timestamp(seconds: float) -> str:
    """A `google.protobuf.Timestamp` in JSON: RFC 3339 in UTC with milliseconds and `Z` (as `datetime` rounds)."""
    fraction, whole = math.modf(seconds)
    micros, second = round(fraction * 1e6), int(whole)
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    elif micros < 0:
        second, micros = second - 1, micros + 1_000_000
    return f"{_utc_second(second)}.{micros // 1000:03d}Z"


@functools.lru_cache(maxsize=256)
def _utc_second(second: int) -> str:
    """Every answer names a handful of recent seconds (now, an account's creation): formatted once each."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def parse_timestamp(value: str) -> float:
    """A `google.protobuf.Timestamp` in JSON (RFC 3339, `Z` or an offset) in seconds since the epoch."""
    text = value.upper().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        pass
    try:  # a leap second (RFC 3339 allows `:60`), which Python's datetime does not hold
        return datetime.fromisoformat(text.replace(":60", ":59", 1)).timestamp() + 1
    except ValueError:
        raise ApiError(Kind.INVALID, f"proto: invalid timestamp {clip(value)!r}") from None


def duration_seconds(value: str) -> float:
    """A `google.protobuf.Duration` in JSON (`18000s`, `1.5s`) in seconds."""
    return float(value.removesuffix("s"))


def enum_name(value: Any, names: tuple[str, ...]) -> str:
    """An enum given by name or by number, as its name (an unknown number as its digits)."""
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else str(value)
