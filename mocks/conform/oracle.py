"""An independent oracle for every response the suites receive: openapi-core checks it against the vendor's spec.

The suites' steps read one field of a response; this reads all of it: the status is documented for the
operation, the media type is declared, required headers are present and typed, and the body fits its schema
(formats included, so `"sequence": 2` where the spec says a string is caught). openapi-core is a second
opinion beside the mock's own jsonschema validation, so a schema subtlety one library gets wrong the other
may not.

openapi-core matches a request's host and path against the spec's `servers` (aesthetics.md constraint 1), but a
target serves a vendor at its own URL (the mock under `/<vendor>`), so `OracleRequest` rebases each request
onto the spec's first server before asking. Each `OpenAPI` object validates the whole spec when built, so there
is one per vendor for the life of the process (constraint 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import requests

from ..resources import specs_dir

if TYPE_CHECKING:
    from openapi_core import OpenAPI

# openapi-core (and werkzeug) load on the first judgement: every pytest run loads this plugin, few judge.


@cache
def vendor_openapi(vendor: str) -> OpenAPI:
    """The vendor's spec as openapi-core sees it: built (and checked) once per process."""
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(specs_dir() / f"{vendor}.yaml"))


@cache
def spec_server(vendor: str) -> str:
    """The spec's first server URL with its variables at their defaults (`https://{customDomain}` -> a host)."""
    server = (vendor_openapi(vendor).spec / "servers" / 0).read_value()
    url = str(server["url"])
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace(f"{{{name}}}", str(variable["default"]))
    return url.rstrip("/")


class OracleRequest:
    """openapi-core's Request protocol for a sent `requests` request, rebased from the target onto the spec server."""

    __slots__ = ("body", "content_type", "host_url", "method", "parameters", "path")

    def __init__(self, sent: requests.PreparedRequest, base_url: str, server: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        url = urlsplit(sent.url or "")
        base_path = urlsplit(base_url).path.rstrip("/")
        path = url.path[len(base_path) :] if base_path and url.path.startswith(base_path) else url.path
        self.host_url = server
        self.path = path or "/"
        self.method = (sent.method or "GET").lower()
        body = sent.body
        self.body = body.encode() if isinstance(body, str) else body
        self.content_type = str(sent.headers.get("Content-Type", "")).lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(url.query, keep_blank_values=True)),
            header=Headers(dict(sent.headers)),
            cookie=ImmutableMultiDict(),
            path={},
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the oracle says of one response: the operation it answers and every way it breaks the spec."""

    operation: str  # "passwordReset (POST /v2/users/{userId}/password_reset)", or the raw path when unknown
    status: int
    problems: tuple[str, ...]

    def __bool__(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return f"{self.operation} answered {self.status}, which breaks the spec: " + "; ".join(self.problems)


def judge(vendor: str, base_url: str, response: requests.Response) -> Verdict:
    """openapi-core's verdict on `response` (to a request sent to the vendor at `base_url`)."""
    from openapi_core.contrib.requests import RequestsOpenAPIResponse

    openapi = vendor_openapi(vendor)
    request = OracleRequest(response.request, base_url, spec_server(vendor))
    operation = _operation_name(openapi, request)
    problems = tuple(
        _describe(error) for error in openapi.iter_response_errors(request, RequestsOpenAPIResponse(response))
    )
    return Verdict(operation, response.status_code, problems)


def _operation_name(openapi: OpenAPI, request: OracleRequest) -> str:
    from openapi_core.templating.paths.finders import APICallPathFinder

    try:
        found = APICallPathFinder(openapi.spec).find(request.method, request.host_url + request.path)
    except Exception:  # PathNotFound, OperationNotFound: the problem list says so too
        return f"{request.method.upper()} {request.path}"
    operation_id = (found.operation / "operationId").read_value()
    return f"{operation_id} ({request.method.upper()} {found.path_result.pattern})"


_SPACE = re.compile(r"\s+")


def _describe(error: Exception) -> str:
    """One line per violation: the JSON path and the schema's complaint, else openapi-core's own message."""
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        return "; ".join(f"body {e.json_path}: {_short(e.message)}" for e in schema_errors)
    kind = type(error).__name__
    text = _short(str(cause or error))
    labels = {
        "ResponseNotFound": "the status is not documented for this operation",
        "MissingData": "the body is missing",
        "MissingRequiredHeader": f"a required header is missing ({text})",
        "MediaTypeNotFound": f"undocumented media type ({text})",
        "PathNotFound": "the path is not in the spec",
        "OperationNotFound": "the method is not in the spec for this path",
    }
    cause_kind = type(cause).__name__ if cause is not None else kind
    return labels.get(cause_kind) or labels.get(kind) or f"{kind}: {text}"


def _short(text: Any, limit: int = 200) -> str:
    line = _SPACE.sub(" ", str(text)).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
