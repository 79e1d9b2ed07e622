"""What a vendor's contract documents, item by item, and how its client record observes each: the coverage model.

The spec says what exists (`derive`): for every operation each request alternative that selects behaviour (each
`oneOf`/`anyOf` branch, each enum value and both values of a boolean, each member of a "one of these members"
group written as `not: {required: [a, b]}`, each named example of a parameter, each security requirement), each
documented status, each `x-lifetimes` entry, and each flag a later read exposes (a boolean or enum member of a
request that a read operation's answer carries under the same name). The client record says how to observe an
effect (`Coverage`, a vendor module's `COVERAGE`): a valid request per operation, where prerequisite values come
from, what shows an effect, how a status is provoked, how an issued thing is used, and why something cannot be
observed from outside. Nothing here is per operation code: a new operation or enum value in a spec is a new item.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..openapi.spec import Operation, VendorSpec, load_spec
from .base import Request

Path = tuple[str | int, ...]
KINDS = ("alternative", "status", "lifetime", "flag")
READ_PREFIXES = ("Get", "List")  # RPC names of reads, where a read is a POST (Connect)


# The record's side: how a client observes effects ---------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """The answer carries `member` (a dotted path), not empty, and equal to `equals` (a template) when that is given."""

    member: str
    equals: Any = None


@dataclass(frozen=True)
class Delivered:
    """A new message reaches the account (or the address `to` names) on `channel` (email or sms); its secret (the
    link's `link_parameter`, else the one the mailbox found) is `{message_secret}` for the effects after it."""

    channel: str = "email"
    link_parameter: str | None = None
    to: str | None = None
    link: str | None = None  # a pattern the message's link must match (a deep link, not a web link)


@dataclass(frozen=True)
class NothingDelivered:
    """No message reaches the account (or the address `to` names) on `channel`."""

    channel: str = "email"
    to: str | None = None


@dataclass(frozen=True)
class Then:
    """A later request (its templates may name `answer.<member>` of the answer and `message.secret`) succeeds (and
    its answer carries `carries`, a dotted path, not empty), or, with `refused`, answers one of those statuses."""

    request: Request
    refused: frozenset[int] = frozenset()
    carries: str | None = None


@dataclass(frozen=True)
class ReadBack:
    """A later read's answer carries `expected` at `member` (a dotted path; `expected` None: the value sent)."""

    request: Request
    member: str
    expected: Any = None


Effect = Answer | Delivered | NothingDelivered | Then | ReadBack


@dataclass(frozen=True)
class FromAnswer:
    """A value taken from the answer to `request` (a dotted path into its JSON; `pattern`: its group 1)."""

    request: Request
    member: str
    pattern: str | None = None


@dataclass(frozen=True)
class FromMessage:
    """The secret of the message `request` sends to the account on `channel` (the link's `link_parameter`, else the
    one the mailbox found)."""

    request: Request
    channel: str = "email"
    link_parameter: str | None = None


Source = FromAnswer | FromMessage


@dataclass(frozen=True)
class Provocation:
    """How to make an operation answer a documented status with an otherwise valid request.

    `how` names a generic move (see `PROVOCATIONS`); `values` override template values (`secret`, `password`, ...),
    `members` set body members (dotted paths, templates), `headers` set (None: remove) headers.
    """

    how: str = "as_is"
    values: Mapping[str, Any] = field(default_factory=dict)
    members: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str | None] = field(default_factory=dict)
    send: Request | None = None  # sent instead of the exercise's request
    before: Request | None = None  # sent first (and must succeed)
    after: str | None = None  # `expired`: the x-lifetimes entry whose end is passed
    # Only for operations with this extension (Placewise's x-placewise-permit); elsewhere not applicable, because:
    needs_extension: str | None = None
    otherwise: str = ""
    # Whether the status comes before any lookup, so the request may name an unknown account and stand-ins for
    # values taken from answers (no account used up); None: as the move implies (every move but as_is, twice,
    # expired and rate_limit).
    stand_ins: bool | None = None


PROVOCATIONS = {
    "as_is": "the exercise's request with the provocation's values, members and headers",
    "no_credentials": "the request without the operation's credentials",
    "wrong_credentials": "the request with credentials nobody issued",
    "malformed_body": "a body that is not JSON",
    "wrong_media_type": "the body sent as text/plain",
    "unknown_path": "every path parameter the account fills replaced by a value nobody has",
    "twice": "the same request sent twice; the second answer counts",
    "unknown_account": "the account values (id, e-mail, phone, username) of an account nobody has",
    "missing_header": "the request without the headers the operation requires",
    "invalid_value": "a body member of the wrong type",
    "expired": "the prerequisite secret used after its lifetime (moves the clock)",
    "rate_limit": "one request more than the operation's x-rate-limit within its window",
}


@dataclass(frozen=True)
class Exercise:
    """A valid request of one operation, and what shows its effect."""

    request: Request
    effects: tuple[Effect, ...] = ()
    # Alternative key (or an fnmatch pattern of keys) -> body members (dotted paths, templates) sent with it.
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Alternative key pattern -> its effects, where they differ from the operation's.
    alternative_effects: Mapping[str, tuple[Effect, ...]] = field(default_factory=dict)
    provoke: Mapping[int, Provocation] = field(default_factory=dict)
    read: Request | None = None  # the read that shows what this operation set (its flags), may name `answer_*`
    creates: str | None = None  # the answer's member naming an account the request created (removed after the run)


@dataclass(frozen=True)
class LifetimeUse:
    """How the thing an `x-lifetimes` entry names is used, once issued: `thing` is where it comes (`message`, or
    `answer.<member>`), `use` a request naming it as `{thing}`, `refused` the statuses once it has expired."""

    thing: str
    use: Request
    refused: frozenset[int]
    members: Mapping[str, Any] = field(default_factory=dict)  # set on the issuing request (None: removed)


# What no valid request can cause, whatever the vendor: the server's own failure. Every spec documents 503 for the
# mock failing to save a change (`--state` on a full or read-only disk).
UNPROVOCABLE = {
    "*/status:503": "the server's own failure (the mock: it could not save the change, --state on a full or read-only "
    "disk), never a request's: no client can provoke it",
}


@dataclass(frozen=True, eq=False)
class Coverage:
    """What a vendor's client record adds so that every derived item can be exercised and its effect observed."""

    exercises: Mapping[str, Exercise] = field(default_factory=dict)
    values: Mapping[str, Source] = field(default_factory=dict)
    # Values by parameter name for operations without an exercise (a request is then built from the spec, signed
    # with the credentials the record's `schemathesis.auth` names per security scheme).
    parameters: Mapping[str, str] = field(default_factory=dict)
    provoke: Mapping[int, Provocation] = field(default_factory=dict)  # a vendor's default per status
    lifetimes: Mapping[str, LifetimeUse] = field(default_factory=dict)
    # Item id patterns (fnmatch over `operation/key`) -> why that cannot be observed from outside.
    not_applicable: Mapping[str, str] = field(default_factory=dict)

    def why_not_applicable(self, item: Item) -> str | None:
        """Why the item cannot be observed from outside; None also where the operation's exercise names how to
        provoke the status (more particular than a pattern over every operation)."""
        exercise = self.exercises.get(item.operation)
        if item.status is not None and exercise is not None and item.status in exercise.provoke:
            return None
        name = f"{item.operation}/{item.key}"
        patterns = {**self.not_applicable, **UNPROVOCABLE}
        return next((why for pattern, why in patterns.items() if fnmatch.fnmatchcase(name, pattern)), None)

    def provocation(self, operation: str, status: int) -> Provocation | None:
        exercise = self.exercises.get(operation)
        if exercise is not None and status in exercise.provoke:
            return exercise.provoke[status]
        return self.provoke.get(status)


def matching(patterns: Mapping[str, Any], key: str) -> Any:
    """The value of the first pattern (exact first, then fnmatch) that matches `key`; None when none does."""
    if key in patterns:
        return patterns[key]
    return next((value for pattern, value in patterns.items() if fnmatch.fnmatchcase(key, pattern)), None)


# The spec's side: what the contract documents --------------------------------------------------------------------
@dataclass(frozen=True)
class Patch:
    """How an alternative changes a valid request: members set to a value, members that must be there, members
    that must go (a sibling branch's), the security requirement used."""

    where: str  # body | query | header | path | security
    set: tuple[tuple[Path, Any], ...] = ()
    require: tuple[tuple[Path, Any], ...] = ()  # (path, a value the schema allows, for when nothing better is known)
    drop: tuple[Path, ...] = ()
    schemes: tuple[str, ...] = ()

    def __add__(self, other: Patch) -> Patch:
        return Patch(
            other.where if other.where != "body" else self.where,
            (*self.set, *other.set),
            (*self.require, *other.require),
            (*self.drop, *other.drop),
            (*self.schemes, *other.schemes),
        )


@dataclass(frozen=True)
class Item:
    """One thing the contract documents for one operation, which a check exercises."""

    vendor: str
    operation: str
    kind: str  # alternative | status | lifetime | flag
    key: str  # stable within the operation: "body:grant_type=refresh_token", "status:463", "lifetime:reset_token"
    label: str
    patch: Patch | None = None
    status: int | None = None
    lifetime: float | None = None  # seconds (None: no fixed end)
    member: Path = ()  # a flag's member
    values: tuple[Any, ...] = ()  # a flag's values to set and read back
    reads: tuple[str, ...] = ()  # a flag's read operations, nearest first

    @property
    def id(self) -> str:
        return f"{self.vendor}-{self.operation}-{self.key}"


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Walker:
    """Walks one request schema and yields its alternatives; `$ref`s resolve against the whole document."""

    def __init__(self, document: Mapping[str, Any], where: str) -> None:
        self.document = document
        self.where = where

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        name = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            name = node["$ref"].rsplit("/", 1)[-1]
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node, name

    def alternatives(self, schema: Any) -> list[tuple[str, str, Patch]]:
        found: dict[str, tuple[str, str, Patch]] = {}
        for key, label, patch in self._walk(schema, (), Patch(self.where), ()):
            found.setdefault(key, (key, label, patch))
        return list(found.values())

    def _walk(self, node: Any, path: Path, context: Patch, refs: tuple[str, ...]) -> Iterator[tuple[str, str, Patch]]:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            if node["$ref"] in refs:
                return
            refs = (*refs, node["$ref"])
        node, _ = self.resolve(node)
        if not isinstance(node, dict):
            return
        for part in node.get("allOf", ()):
            yield from self._walk(part, path, context, refs)
        yield from self._values(node, path, context)
        # A member that selects one branch (or one member of a group) is walked on that choice: its own alternatives
        # replace the sibling members, never sit beside them.
        chosen: dict[str, Patch] = {}
        for combinator in ("oneOf", "anyOf"):
            if combinator in node:
                yield from self._branches(node, node[combinator], path, context, refs, chosen)
        yield from self._groups(node, path, context, chosen)
        for name, sub in (node.get("properties") or {}).items():
            yield from self._walk(sub, (*path, name), chosen.get(name, context), refs)
        if isinstance(node.get("items"), dict):
            yield from self._walk(node["items"], (*path, 0), context, refs)

    def _values(self, node: Mapping[str, Any], path: Path, context: Patch) -> Iterator[tuple[str, str, Patch]]:
        """Each value of an enum (two or more) and both values of a boolean."""
        values = [value for value in node.get("enum", ()) if value is not None]
        types = node.get("type")
        if "enum" not in node and (types == "boolean" or (isinstance(types, list) and "boolean" in types)):
            values = [True, False]
        if len(values) < 2 or not path:
            return
        for value in values:
            key = f"{self.where}:{dotted(path)}={_value_text(value)}"
            yield key, f"{dotted(path)} = {_value_text(value)}", context + Patch(self.where, set=((path, value),))

    def _branches(
        self,
        node: Mapping[str, Any],
        branches: Sequence[Any],
        path: Path,
        context: Patch,
        refs: tuple[str, ...],
        chosen: dict[str, Patch],
    ) -> Iterator[tuple[str, str, Patch]]:
        resolved = [(branch, *self.resolve(branch)) for branch in branches]
        real = [(raw, schema, name) for raw, schema, name in resolved if not _is_null(schema)]
        if len(real) == 1:  # only "or null": the protobuf JSON mapping's unset, the same request as leaving it out
            yield from self._walk(real[0][0], path, context, refs)
            return
        required_by = [set(schema.get("required", ())) for _, schema, _ in real]
        for index, (raw, schema, name) in enumerate(real):
            if "enum" in schema and not schema.get("properties"):
                yield from self._values(schema, path, context)
                continue
            if not _is_object(schema):  # a scalar form: `format: email` or an MSISDN, an enum's number
                value = sample(schema, self.resolve)
                label = name or _describe_scalar(schema)
                key = f"{self.where}:{dotted(path)}:{label}" if path else f"{self.where}:{label}"
                yield key, f"{dotted(path) or 'body'} as {label}", context + Patch(self.where, set=((path, value),))
                continue
            consts = {
                member: prop["const"]
                for member, prop in ((m, self.resolve(p)[0]) for m, p in (schema.get("properties") or {}).items())
                if isinstance(prop, dict) and "const" in prop
            }
            others = set().union(*(r for i, r in enumerate(required_by) if i != index)) - required_by[index]
            own = sorted(required_by[index] - set().union(*(r for i, r in enumerate(required_by) if i != index)))
            if consts:
                label = ", ".join(f"{m}={_value_text(v)}" for m, v in sorted(consts.items()))
            else:
                label = "+".join(own) or name or f"branch {index + 1}"
            properties = schema.get("properties") or {}
            shared = node.get("properties") or {}
            patch = context + Patch(
                self.where,
                set=tuple(((*path, m), v) for m, v in sorted(consts.items())),
                require=tuple(
                    ((*path, m), sample(_member_schema(properties, shared, m), self.resolve))
                    for m in sorted(required_by[index])
                    if m not in consts
                ),
                drop=tuple((*path, m) for m in sorted(others)),
            )
            for member in own:
                chosen.setdefault(member, patch)
            prefix = f"{dotted(path)}." if path else ""
            key = f"{self.where}:{prefix}{label}"
            yield key, f"{prefix}{label}", patch
            yield from self._walk(raw, path, patch, refs)

    def _groups(
        self, node: Mapping[str, Any], path: Path, context: Patch, chosen: dict[str, Patch]
    ) -> Iterator[tuple[str, str, Patch]]:
        """Members of which at most one may be sent (`not: {required: [a, b]}`, or `not: {anyOf: [...]}`): each one
        is an alternative; a boolean member's alternatives are its values (false is sent too: it is still the one
        member set)."""
        group = _exclusive_members(node.get("not"))
        properties = node.get("properties") or {}
        if len(group) < 2:
            return
        for member in group:
            schema, _ = self.resolve(properties.get(member, {}))
            schema = _without_null(schema, self.resolve)
            others = tuple((*path, m) for m in group if m != member)
            if _is_boolean(schema):
                for value in (True, False):
                    key = f"{self.where}:{dotted((*path, member))}={_value_text(value)}"
                    label = f"{dotted((*path, member))} = {_value_text(value)}"
                    yield key, label, context + Patch(self.where, set=(((*path, member), value),), drop=others)
                continue
            key = f"{self.where}:{dotted((*path, member))}"
            patch = context + Patch(self.where, require=(((*path, member), sample(schema, self.resolve)),), drop=others)
            chosen.setdefault(member, patch)
            yield key, dotted((*path, member)), patch


def _member_schema(own: Mapping[str, Any], shared: Mapping[str, Any], member: str) -> Any:
    """A branch's member schema, else (where the branch only constrains it: `not: {type: 'null'}`) the one the
    object beside its branches declares."""
    schema = own.get(member)
    if not isinstance(schema, dict) or set(schema) <= {"not", "description"}:
        return shared.get(member, schema or {})
    return schema


def _exclusive_members(node: Any) -> list[str]:
    if not isinstance(node, dict):
        return []
    parts = [node] if "required" in node else [p for p in node.get("anyOf", ()) if isinstance(p, dict)]
    members: dict[str, None] = {}
    for part in parts:
        for member in part.get("required", ()):
            members[member] = None
    return list(members)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _is_object(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind == "object" or "properties" in schema or "required" in schema or (kind is None and "allOf" in schema)


def _is_boolean(schema: Any) -> bool:
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind == "boolean" or (isinstance(kind, list) and "boolean" in kind and "object" not in kind)


def _without_null(schema: Any, resolve: Any) -> Any:
    """The schema behind an "X or null" wrapper."""
    if isinstance(schema, dict):
        for combinator in ("anyOf", "oneOf"):
            branches = [resolve(b)[0] for b in schema.get(combinator, ())]
            real = [b for b in branches if not _is_null(b)]
            if branches and len(real) == 1:
                return real[0]
    return schema


def _describe_scalar(schema: Mapping[str, Any]) -> str:
    for keyword in ("format", "pattern"):
        if keyword in schema:
            return f"{keyword}={schema[keyword]}"
    kind = schema.get("type")
    return str(kind if isinstance(kind, str) else "value")


def sample(schema: Any, resolve: Any = lambda node: (node, None)) -> Any:
    """A value the schema allows, for a member nothing better is known for (the record's templates come first)."""
    schema, _ = resolve(schema)
    if not isinstance(schema, dict):
        return None
    schema = _without_null(schema, resolve)
    for keyword in ("const", "default"):
        if keyword in schema:
            return schema[keyword]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), None)
    if schema.get("examples"):
        return schema["examples"][0]
    for part in schema.get("allOf", ()):
        found = sample(part, resolve)
        if found is not None:
            return found
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {member: sample(properties.get(member, {}), resolve) for member in schema.get("required", ())}
    if kind == "array":
        return [sample(schema.get("items", {}), resolve)] if schema.get("minItems") else []
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        minimum = schema.get("minimum", 0)
        return minimum if minimum > 0 else min(0, schema.get("maximum", 0))
    if schema.get("format") == "email":
        return "someone@example.org"
    if schema.get("format") in ("uri", "url"):
        return "https://example.org/"
    size = max(1, int(schema.get("minLength", 1)))
    if "pattern" in schema:  # a number as a string (int64 in protobuf JSON), a code of letters or digits
        candidates = (char * size for char in "x0aA1")
        return next((c for c in candidates if re.search(schema["pattern"], c)), "x" * size)
    return "x" * size


# Deriving the items of one operation -----------------------------------------------------------------------------
def resolver(document: Mapping[str, Any]) -> Any:
    """A function that follows a node's local `$ref`s: (the node, the last referenced component's name)."""
    return _Walker(document, "").resolve


def raw_operation(spec: VendorSpec, operation: Operation) -> Mapping[str, Any]:
    document: Any = spec.document
    raw: Mapping[str, Any] = document["paths"][operation.path][operation.method.lower()]
    return raw


def _parameters(spec: VendorSpec, operation: Operation) -> list[Mapping[str, Any]]:
    walker = _Walker(spec.document, "")
    path_item = spec.document["paths"][operation.path]
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for item in (*path_item.get("parameters", ()), *raw_operation(spec, operation).get("parameters", ())):
        resolved, _ = walker.resolve(item)
        found[(resolved["in"], resolved["name"])] = resolved
    return list(found.values())


def request_body_schema(spec: VendorSpec, operation: Operation) -> tuple[str | None, Any]:
    """(media type, schema) of the operation's request body: JSON first, else the first one declared."""
    raw = raw_operation(spec, operation).get("requestBody")
    if raw is None:
        return None, None
    body, _ = _Walker(spec.document, "").resolve(raw)
    content = body.get("content", {})
    media = next((m for m in content if m == "application/json"), next(iter(content), None))
    return media, (content.get(media) or {}).get("schema") if media else None


def alternatives(spec: VendorSpec, operation: Operation) -> list[Item]:
    """Every request alternative of the operation that selects behaviour."""
    vendor, name = spec.name, operation.operation_id
    found = [
        Item(
            vendor,
            name,
            "alternative",
            f"security:{'+'.join(names)}",
            f"credentials: {' and '.join(names)}",
            Patch("security", schemes=names),
        )
        for names in operation.security
        if names
    ]
    for parameter in _parameters(spec, operation):
        where, member = parameter["in"], parameter["name"]
        walker = _Walker(spec.document, where)
        schema, _ = walker.resolve(parameter.get("schema", {}))
        values = [v for v in schema.get("enum", ()) if v is not None]
        labels = [_value_text(v) for v in values]
        if len(values) < 2:
            examples = [walker.resolve(e)[0] for e in (parameter.get("examples") or {}).values()]
            values = [e["value"] for e in examples if isinstance(e, dict) and "value" in e]
            labels = [_value_text(v) for v in values]
        if len(values) < 2:
            continue
        for value, label in zip(values, labels, strict=True):
            found.append(
                Item(
                    vendor,
                    name,
                    "alternative",
                    f"{where}:{member}={label}",
                    f"{where} {member}: {label}",
                    Patch(where, set=(((member,), value),)),
                )
            )
    media, schema = request_body_schema(spec, operation)
    if schema is not None:
        where = "form" if media == "application/x-www-form-urlencoded" else "body"
        for key, label, patch in _Walker(spec.document, where).alternatives(schema):
            found.append(Item(vendor, name, "alternative", key, label, patch))
    return found


def statuses(spec: VendorSpec, operation: Operation) -> list[Item]:
    """Every status the operation documents (a range or `default` names none)."""
    return [
        Item(spec.name, operation.operation_id, "status", f"status:{code}", code, status=int(code))
        for code in operation.responses
        if code.isdigit()
    ]


def lifetimes(spec: VendorSpec, operation: Operation) -> list[Item]:
    return [
        Item(
            spec.name,
            operation.operation_id,
            "lifetime",
            f"lifetime:{what}",
            what if seconds is None else f"{what} ({seconds:.0f} s)",
            lifetime=seconds,
        )
        for what, seconds in operation.lifetimes.items()
    ]


def is_read(operation: Operation) -> bool:
    """A GET, or a POST whose RPC is a Get... or List... (Connect)."""
    rpc = str(operation.extensions.get("x-rpc", "")).rsplit("/", 1)[-1]
    return operation.method == "GET" or rpc.startswith(READ_PREFIXES)


def _success_schema(spec: VendorSpec, operation: Operation) -> Any:
    walker = _Walker(spec.document, "")
    for code in sorted(c for c in operation.responses if c.startswith("2")):
        raw = raw_operation(spec, operation)["responses"][code]
        response, _ = walker.resolve(raw)
        content = response.get("content") or {}
        for media in content.values():
            if "schema" in media:
                return media["schema"]
    return None


def _paths(walker: _Walker, node: Any, path: Path, refs: tuple[str, ...]) -> Iterator[Path]:
    """Every member path of a (response) schema."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        if node["$ref"] in refs:
            return
        refs = (*refs, node["$ref"])
    node, _ = walker.resolve(node)
    if not isinstance(node, dict):
        return
    for combinator in ("allOf", "oneOf", "anyOf"):
        for part in node.get(combinator, ()):
            yield from _paths(walker, part, path, refs)
    for member, sub in (node.get("properties") or {}).items():
        yield (*path, member)
        yield from _paths(walker, sub, (*path, member), refs)


def _flag_members(walker: _Walker, schema: Any) -> dict[Path, tuple[Any, ...]]:
    """The boolean and enum members of a request body, with their values."""
    found: dict[Path, tuple[Any, ...]] = {}

    def visit(node: Any, path: Path, refs: tuple[str, ...]) -> None:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            if node["$ref"] in refs:
                return
            refs = (*refs, node["$ref"])
        node, _ = walker.resolve(node)
        if not isinstance(node, dict):
            return
        plain = _without_null(node, walker.resolve)
        if plain is not node:
            visit(plain, path, refs)
            return
        values = [v for v in node.get("enum", ()) if v is not None]
        for branch in [*node.get("anyOf", ()), *node.get("oneOf", ())]:
            resolved, _ = walker.resolve(branch)
            values += [v for v in (resolved.get("enum", ()) if isinstance(resolved, dict) else ()) if v is not None]
        if path and _is_boolean(node) and not values:
            values = [True, False]
        if path and values:
            found[path] = tuple(dict.fromkeys(values))
        for part in node.get("allOf", ()):
            visit(part, path, refs)
        for member, sub in (node.get("properties") or {}).items():
            visit(sub, (*path, member), refs)

    visit(schema, (), ())
    return found


def flags(spec: VendorSpec, operation: Operation) -> list[Item]:
    """Each boolean or enum member of the operation's request that a read operation's answer carries under the same
    name (its last two path segments), nearest read first (the longest common path prefix)."""
    if is_read(operation):
        return []
    walker = _Walker(spec.document, "body")
    _, schema = request_body_schema(spec, operation)
    if schema is None:
        return []
    readable = {
        read.operation_id: {p[-2:] for p in _paths(walker, _success_schema(spec, read), (), ()) if len(p) >= 2}
        for read in spec
        if is_read(read)
    }
    found = []
    for member, values in _flag_members(walker, schema).items():
        if len(member) < 2:
            continue
        reads = [name for name, paths in readable.items() if member[-2:] in paths]
        if not reads:
            continue
        reads.sort(key=lambda name: -_common_prefix(spec.operations[name].path, operation.path))
        found.append(
            Item(
                spec.name,
                operation.operation_id,
                "flag",
                f"flag:{dotted(member)}",
                f"{dotted(member)} read back by {reads[0]}",
                member=member,
                values=values,
                reads=tuple(reads),
            )
        )
    return found


def _common_prefix(first: str, second: str) -> int:
    size = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        size += 1
    return size


def derive(spec: VendorSpec, coverage: Coverage | None = None) -> tuple[Item, ...]:
    """Every item the contract documents, operation by operation in the spec's order; with the vendor's `coverage`,
    also the flags its exercises read back (a state a later read shows, such as a verified MSISDN)."""
    found: list[Item] = []
    for operation in spec:
        found += alternatives(spec, operation)
        found += statuses(spec, operation)
        found += lifetimes(spec, operation)
        found += flags(spec, operation)
        exercise = coverage.exercises.get(operation.operation_id) if coverage is not None else None
        for effect in exercise.effects if exercise is not None else ():
            if isinstance(effect, ReadBack):
                found.append(
                    Item(
                        spec.name,
                        operation.operation_id,
                        "flag",
                        f"flag:{effect.member}",
                        f"{effect.member} read back by {effect.request.operation}",
                        reads=(effect.request.operation,),
                    )
                )
    return tuple(found)


@functools.cache
def shipped_items(vendor: str, coverage: Coverage | None = None) -> tuple[Item, ...]:
    """The items of a vendor's shipped spec (derived once per process)."""
    return derive(load_spec(vendor), coverage)


# Ids as pytest shows them ----------------------------------------------------------------------------------------
_UNSAFE = re.compile(r"[\[\]\s]")


def check_id(item: Item) -> str:
    """The item's id as a pytest parameter id (no brackets or spaces)."""
    return _UNSAFE.sub("_", item.id)
