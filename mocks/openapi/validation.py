"""Validate a request or a response against a compiled Operation. Knows OpenAPI, never a vendor or aiohttp."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ..errors import SHOWN_CHARS, ApiError, Kind, clip
from ..jsonlimits import JsonLimitExceeded, decode_json, strings_in
from .spec import CompiledSchema, Operation, Parameter

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_UNITS: dict[type, str] = {str: "characters", list: "items", dict: "properties"}
LIMIT_RULES = frozenset({"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"})
# A `\uD800`-`\uDFFF` escape: the only way a lone surrogate, which no UTF-8 text can hold, gets into a parsed body.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RawRequest:
    """What arrived on the wire, already split by the server adapter."""

    path_params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]  # case-insensitive mapping
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class ValidRequest:
    """The request after validation: parameters coerced to their schema types, the body parsed."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any
    media_type: str | None


@functools.lru_cache(maxsize=256)  # clients send the same few Content-Type values over and over
def media_type_of(content_type: str | None) -> tuple[str | None, dict[str, str]]:
    """`application/json; charset=utf-8` -> ("application/json", {"charset": "utf-8"})."""
    if not content_type:
        return None, {}
    kind, *params = content_type.split(";")
    parsed = {}
    for param in params:
        key, _, value = param.partition("=")
        parsed[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), parsed


def _clipped(value: Any, shown: str) -> str:
    """The start of a long value's repr and its size: `'1111…' (5000 characters)`."""
    size = len(value) if isinstance(value, str | list | dict) else len(shown)
    return f"{shown[:SHOWN_CHARS]}… ({size} {_UNITS.get(type(value), 'characters')})"


def _schema_error(validator: CompiledSchema, value: Any, where: str, name: str | None = None) -> ApiError | None:
    if validator.is_valid(value):
        return None
    error = validator.first_error(value)
    if error is None:
        return None
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        # Point at the missing property itself, which is what a client needs to fix.
        path += [p for p in error.validator_value if p not in error.instance][:1]
    pointer = "/".join(str(p) for p in path)
    field = name or pointer
    label = f"{where} {clip(field)}".strip() if field else where
    reason = error.message
    shown = repr(error.instance)
    if len(shown) > SHOWN_CHARS:  # jsonschema quotes the whole value: a 5,000-character id stays out of the answer
        reason = reason.replace(shown, _clipped(error.instance, shown))
    return ApiError(
        Kind.INVALID,
        f"{label}: {reason}"[:300],
        details={
            "location": where,
            "field": field,
            "pointer": path,
            "rule": error.validator,
            "limit": error.validator_value if error.validator in LIMIT_RULES else None,
            "blank": error.validator == "required" or error.instance == "",
            "document": value,  # the whole parsed value, for vendors whose error code depends on it
        },
    )


def _coerce(parameter: Parameter, raw: str) -> Any:
    kind = parameter.schema_type
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
    except ValueError:
        return raw
    return raw


def parse_body(operation: Operation, request: RawRequest) -> tuple[Any, str | None]:
    """Parse the body by its declared media type; raise MALFORMED or UNSUPPORTED_MEDIA_TYPE as a client would expect."""
    spec = operation.body
    if spec is None:
        return None, None
    media_type, params = media_type_of(request.content_type)
    unsupported = media_type is None or media_type not in spec.media
    if not request.body.strip():
        if not spec.required:
            return None, None
        # A required body announced with the wrong Content-Type is refused for the type (Connect answers 415).
        if not unsupported or media_type is None:
            raise ApiError(Kind.INVALID, "request body is required", details={"location": "body", "field": ""})
    if unsupported:
        expected = ", ".join(spec.media)
        raise ApiError(
            Kind.UNSUPPORTED_MEDIA_TYPE,
            f"Content-Type must be {expected}, got {clip(request.content_type or 'none')}",
            details={"location": "header", "field": "content-type"},
        )
    if params.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise ApiError(Kind.UNSUPPORTED_MEDIA_TYPE, "only the utf-8 charset is accepted")
    try:
        text = request.body.decode("utf-8")
        if media_type == FORM:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
            form: dict[str, Any] = {name: [] for name, _ in pairs if name in spec.form_arrays}
            for name, value in pairs:
                if name in spec.form_arrays:
                    form[name].append(value)
                else:
                    form[name] = value  # a field sent twice: the last one counts
            return form, media_type
        return decode_json(text), media_type
    except (UnicodeDecodeError, ValueError) as exc:
        reason = "body is not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else "body is not valid JSON"
        if isinstance(exc, JsonLimitExceeded):
            reason = f"body is refused: {exc}"
        if media_type == FORM and not isinstance(exc, UnicodeDecodeError):
            reason = "body is not a valid form"
        raise ApiError(Kind.MALFORMED, reason, details={"location": "body", "field": ""}) from None


def _holds_lone_surrogate(value: Any) -> bool:
    """Whether a key or string anywhere in a parsed JSON value cannot be encoded as UTF-8."""
    for text in strings_in(value):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


def validate_request(
    operation: Operation, request: RawRequest, prepare_body: Callable[[Operation, Any], Any] | None = None
) -> ValidRequest:
    """Check parameters, then the body. The first problem raises ApiError (INVALID, MISSING_HEADER, ...).

    `prepare_body` rewrites the parsed body before the schema sees it (e.g. protobuf JSON names to lowerCamelCase).
    """
    values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
    sources: dict[str, Mapping[str, str]] = {
        "path": request.path_params,
        "query": request.query,
        "header": request.headers,
    }
    for parameter in operation.parameters:
        raw = sources[parameter.location].get(parameter.name)
        if raw is None:
            if parameter.required:
                kind = Kind.MISSING_HEADER if parameter.location == "header" else Kind.INVALID
                raise ApiError(
                    kind,
                    f"missing required {parameter.location} parameter {parameter.name}",
                    details={"location": parameter.location, "field": parameter.name, "rule": "required"},
                )
            continue
        if not raw.isascii() and _LONE_SURROGATE.search(raw):  # aiohttp keeps a byte that is not UTF-8 so
            raise ApiError(  # as any other value the parameter's schema refuses
                Kind.INVALID,
                f"{parameter.location} parameter {parameter.name} is not valid UTF-8",
                details={"location": parameter.location, "field": parameter.name},
            )
        value = _coerce(parameter, raw)
        if parameter.validator is not None:
            problem = _schema_error(parameter.validator, value, parameter.location, parameter.name)
            if problem is not None:
                raise problem
        values[parameter.location][parameter.name] = value
    body, media_type = parse_body(operation, request)
    if media_type == JSON and _SURROGATE_ESCAPE.search(request.body) and _holds_lone_surrogate(body):
        # Found by the fuzz gate: the validator (and any UTF-8 encode after it) raises on such a string.
        raise ApiError(
            Kind.MALFORMED,
            "body is not valid JSON: a string holds an unpaired surrogate escape",
            details={"location": "body", "field": ""},
        )
    if prepare_body is not None and media_type is not None:
        body = prepare_body(operation, body)
    if media_type is not None and operation.body is not None:
        validator = operation.body.media.get(media_type)
        if validator is not None:
            problem = _schema_error(validator, body, "body")
            if problem is not None:
                raise problem
    return ValidRequest(values["path"], values["query"], values["header"], body, media_type)


def response_problems(
    operation: Operation, status: int, content_type: str | None, body: Any, headers: Mapping[str, str]
) -> list[str]:
    """Everything about a response that the spec does not allow; an empty list means it conforms."""
    spec = operation.response_for(status)
    if spec is None:
        return [f"status {status} is not documented for {operation.operation_id}"]
    problems = []
    media_type, _ = media_type_of(content_type)
    if not spec.media:
        if body is not None:
            problems.append(f"status {status} of {operation.operation_id} is documented without a body")
    elif media_type is None or media_type not in spec.media:
        problems.append(f"content type {content_type} is not one of {sorted(spec.media)} for {status}")
    else:
        validator = spec.media[media_type]
        error = None if validator is None or validator.is_valid(body) else validator.first_error(body)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"body of {status} at /{where}: {error.message}"[:400])
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, (required, header_validator) in spec.headers.items():
        if name not in lowered:
            if required:
                problems.append(f"required header {name} is missing from {status}")
            continue
        value: Any = lowered[name]
        if header_validator is not None:
            if not header_validator.is_valid(value) and value.isdigit():
                value = int(value)
            if not header_validator.is_valid(value):
                problems.append(f"header {name}={lowered[name]!r} does not match its schema")
    return problems
