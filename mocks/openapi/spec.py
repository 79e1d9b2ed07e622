"""Read an OpenAPI 3.1 file once and compile everything the hot path needs: operations and validators."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ..flows.ratelimit import RateLimit
from ..resources import specs_dir

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class CompiledSchema:
    """A schema compiled twice: jsonschema-rs (Rust) decides, fast; python-jsonschema explains a failure.

    When python-jsonschema sees no error (its format checks are laxer), the Rust error is explained instead.
    """

    __slots__ = ("fast", "full")

    def __init__(self, fast: Any, full: Draft202012Validator) -> None:
        self.fast = fast
        self.full = full

    def is_valid(self, value: Any) -> bool:
        if self.fast is not None:
            return bool(self.fast.is_valid(value))
        return bool(self.full.is_valid(value))

    def first_error(self, value: Any) -> ValidationError | None:
        """The most relevant error, as a python-jsonschema ValidationError (None if `value` is valid)."""
        error = best_match(self.full.iter_errors(value))
        if error is not None or self.fast is None:
            return error
        for rust in self.fast.iter_errors(value):
            keyword = str(rust.schema_path[-1]) if rust.schema_path else "schema"
            return ValidationError(
                rust.message, validator=keyword, path=list(rust.instance_path), instance=rust.instance
            )
        return None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # path | query | header
    required: bool
    schema_type: str | None
    validator: CompiledSchema | None
    secret: bool = False  # `x-secret: true`: its value is hidden wherever the mock shows a request


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    media: Mapping[str, CompiledSchema | None]  # media type -> body validator
    # Form fields whose schema is an array: `ids=1&ids=2` is ["1", "2"] (OpenAPI's form style, exploded).
    form_arrays: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    media: Mapping[str, CompiledSchema | None]  # empty: the response has no body
    headers: Mapping[str, tuple[bool, CompiledSchema | None]]  # name -> (required, validator)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a spec, with its validators compiled."""

    operation_id: str
    method: str
    path: str
    summary: str
    parameters: tuple[Parameter, ...]
    body: RequestBody | None
    security: tuple[tuple[str, ...], ...]  # alternatives, each a set of schemes that must all pass
    responses: Mapping[str, ResponseSpec]  # "200", "4XX", "default"
    source: str
    deprecated: bool
    extensions: Mapping[str, Any] = field(default_factory=dict)
    rate_limit: RateLimit | None = None  # `x-rate-limit: {limit, window_seconds, key}` (key: the scheme counted by)
    # `x-lifetimes: {reset_token: 3600}`: how long each thing this operation issues lives (None: no fixed end).
    lifetimes: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def secret_path_segments(self) -> tuple[int, ...]:
        """Where the path carries a secret (`x-secret` path parameters): segment positions counted from the end
        (0: the last), so they hold under any mount prefix."""
        secret = {f"{{{p.name}}}" for p in self.parameters if p.location == "path" and p.secret}
        segments = self.path.strip("/").split("/")
        return tuple(len(segments) - 1 - i for i, segment in enumerate(segments) if segment in secret)

    def response_for(self, status: int) -> ResponseSpec | None:
        """The documented response for `status`, honouring `4XX`-style ranges and `default`."""
        return (
            self.responses.get(str(status))
            or self.responses.get(f"{str(status)[0]}XX")
            or self.responses.get("default")
        )


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    type: str  # apiKey | http
    scheme: str | None  # bearer | basic (http)
    location: str | None  # header | query (apiKey)
    key_name: str | None  # header or query parameter name (apiKey)


@dataclass(frozen=True)
class VendorSpec:
    """A loaded spec: the raw document plus compiled operations, keyed by operationId."""

    name: str
    path: Path
    document: Mapping[str, Any]
    operations: Mapping[str, Operation]
    security_schemes: Mapping[str, SecurityScheme]

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations.values())

    @property
    def title(self) -> str:
        return str(self.document.get("info", {}).get("title", self.name))


def _walk(document: Any, pointer: str) -> Any:
    """The node at a JSON pointer such as `/paths/~1users/get`."""
    node = document
    for part in pointer[1:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class _Recursive(Exception):
    """A schema refers to itself; it cannot be inlined."""


class _Compiler:
    """Builds validators that `$ref` into the whole document, so components resolve as in the file."""

    def __init__(self, name: str, document: Mapping[str, Any]) -> None:
        self.document = document
        self.uri = f"urn:resetkit:spec:{name}"
        self.registry: Registry[Any] = Registry().with_resource(self.uri, DRAFT202012.create_resource(document))

    def validator(self, pointer: str) -> CompiledSchema:
        """A validator for the schema at `pointer`, with local `$ref`s inlined (resolving them per request is slow).

        A recursive schema cannot be inlined; it keeps its `$ref`s, resolved through the registry.
        """
        fast = None
        try:
            schema: Any = self._inline(_walk(self.document, pointer), ())
            fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        except _Recursive:
            schema = {"$ref": f"{self.uri}#{pointer}"}
        except (ValueError, jsonschema_rs.ReferencingError):
            fast = None  # jsonschema-rs cannot compile it: python-jsonschema alone will do
        full = Draft202012Validator(schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return CompiledSchema(fast, full)

    def _inline(self, node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self._inline(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in stack:
                raise _Recursive(ref)
            target = self._inline(_walk(self.document, ref[1:]), (*stack, ref))
            siblings = {k: self._inline(v, stack) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target, siblings]} if siblings else target
        return {key: self._inline(value, stack) for key, value in node.items()}

    def resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (for parameters, bodies and responses, which are not JSON Schemas)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref}")
            node = _walk(self.document, ref[1:])
        return node

    def schema_type(self, pointer: str) -> str | None:
        node = self.resolve(_walk(self.document, pointer))
        kind = node.get("type") if isinstance(node, dict) else None
        return kind if isinstance(kind, str) else None


def load_spec(name: str, path: Path | None = None) -> VendorSpec:
    """Load `specs/<name>.yaml` and compile every operation; raises ValueError on a malformed spec."""
    path = path or specs_dir() / f"{name}.yaml"
    with path.open("rb") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    compiler = _Compiler(name, document)
    schemes = {
        scheme_name: SecurityScheme(
            name=scheme_name,
            type=raw["type"],
            scheme=(raw.get("scheme") or "").lower() or None,
            location=raw.get("in"),
            key_name=raw.get("name"),
        )
        for scheme_name, raw in (
            (n, compiler.resolve(r)) for n, r in document.get("components", {}).get("securitySchemes", {}).items()
        )
    }
    default_security = document.get("security", [])
    operations: dict[str, Operation] = {}
    for path_key, path_item in document.get("paths", {}).items():
        shared_params = path_item.get("parameters", [])
        for method in HTTP_METHODS:
            raw_op = path_item.get(method)
            if raw_op is None:
                continue
            base = _pointer("paths", path_key, method)
            operation_id = raw_op.get("operationId")
            if not operation_id:
                raise ValueError(f"{path}: {method.upper()} {path_key} has no operationId")
            if operation_id in operations:
                raise ValueError(f"{path}: duplicate operationId {operation_id}")
            operations[operation_id] = Operation(
                operation_id=operation_id,
                method=method.upper(),
                path=path_key,
                summary=raw_op.get("summary", ""),
                parameters=_parameters(compiler, path_key, method, shared_params, raw_op.get("parameters", [])),
                body=_request_body(compiler, base, raw_op.get("requestBody")),
                security=tuple(tuple(req) for req in raw_op.get("security", default_security)),
                responses=_responses(compiler, base, raw_op.get("responses", {})),
                source=raw_op.get("x-source", "inferred"),
                deprecated=bool(raw_op.get("deprecated", False)),
                extensions={k: v for k, v in raw_op.items() if k.startswith("x-")},
                rate_limit=_rate_limit(raw_op.get("x-rate-limit")),
                lifetimes=_lifetimes(raw_op.get("x-lifetimes")),
            )
    return VendorSpec(name=name, path=path, document=document, operations=operations, security_schemes=schemes)


def _rate_limit(raw: Any) -> RateLimit | None:
    if not raw:
        return None
    return RateLimit(limit=int(raw["limit"]), window_seconds=float(raw["window_seconds"]), scheme=str(raw["key"]))


def _lifetimes(raw: Any) -> dict[str, float | None]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"x-lifetimes must map what an operation issues to seconds, got {raw!r}")
    return {str(what): None if seconds is None else float(seconds) for what, seconds in raw.items()}


def _parameters(
    compiler: _Compiler, path_key: str, method: str, shared: list[Any], own: list[Any]
) -> tuple[Parameter, ...]:
    found: dict[tuple[str, str], Parameter] = {}
    for owner, items in ((("paths", path_key, "parameters"), shared), (("paths", path_key, method, "parameters"), own)):
        for index, item in enumerate(items):
            raw = compiler.resolve(item)
            pointer = _pointer(*owner, str(index))
            if "$ref" in item:
                pointer = item["$ref"][1:]
            has_schema = "schema" in raw
            name = raw["name"].lower() if raw["in"] == "header" else raw["name"]
            found[(raw["in"], name)] = Parameter(
                name=name,
                location=raw["in"],
                required=bool(raw.get("required", raw["in"] == "path")),
                schema_type=compiler.schema_type(pointer + "/schema") if has_schema else None,
                validator=compiler.validator(pointer + "/schema") if has_schema else None,
                secret=bool(raw.get("x-secret", False)),
            )
    return tuple(found.values())


def _request_body(compiler: _Compiler, base: str, raw: Any) -> RequestBody | None:
    if raw is None:
        return None
    pointer = raw["$ref"][1:] if "$ref" in raw else base + "/requestBody"
    body = compiler.resolve(raw)
    media = {
        media_type.lower(): (
            compiler.validator(_pointer_join(pointer, "content", media_type, "schema")) if "schema" in content else None
        )
        for media_type, content in body.get("content", {}).items()
    }
    form = compiler.resolve(body.get("content", {}).get("application/x-www-form-urlencoded", {}).get("schema", {}))
    properties = form.get("properties", {}) if isinstance(form, dict) else {}
    arrays = frozenset(name for name, schema in properties.items() if compiler.resolve(schema).get("type") == "array")
    return RequestBody(required=bool(body.get("required", False)), media=media, form_arrays=arrays)


def _responses(compiler: _Compiler, base: str, raw: Mapping[str, Any]) -> dict[str, ResponseSpec]:
    responses = {}
    for status, item in raw.items():
        pointer = item["$ref"][1:] if "$ref" in item else _pointer_join(base, "responses", str(status))
        response = compiler.resolve(item)
        media = {
            media_type.lower(): (
                compiler.validator(_pointer_join(pointer, "content", media_type, "schema")) if "schema" in c else None
            )
            for media_type, c in response.get("content", {}).items()
        }
        headers = {}
        for header_name, header in response.get("headers", {}).items():
            header_pointer = _pointer_join(pointer, "headers", header_name)
            if "$ref" in header:
                header_pointer = header["$ref"][1:]
            resolved = compiler.resolve(header)
            headers[header_name.lower()] = (
                bool(resolved.get("required", False)),
                compiler.validator(header_pointer + "/schema") if "schema" in resolved else None,
            )
        key = str(status)
        responses[key if key == "default" else key.upper()] = ResponseSpec(media=media, headers=headers)
    return responses


def _pointer_join(pointer: str, *parts: str) -> str:
    return pointer + _pointer(*parts)
