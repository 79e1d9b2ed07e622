"""The stack-trace detector: every common runtime's trace is found, ordinary error messages never are."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from resetkit.conform.stacktraces import find_stack_trace
from resetkit.resources import specs_dir

TRACES = {
    "Python": """Traceback (most recent call last):
  File "/app/server.py", line 42, in handle
    body = json.loads(raw)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)""",
    "Python frame only": """  File "/usr/lib/python3/aiohttp/web_protocol.py", line 452, in _handle_request""",
    "Java/JVM": """java.lang.NullPointerException: Cannot invoke "String.length()" because "token" is null
\tat com.example.reset.ResetController.reset(ResetController.java:57)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)""",
    "Java caused by": """org.springframework.web.util.NestedServletException: Request processing failed
Caused by: com.fasterxml.jackson.core.JsonParseException: Unexpected character""",
    "Kotlin": """\tat io.ktor.server.engine.PipelineKt$pipeline$1.invokeSuspend(Pipeline.kt:118)""",
    ".NET": """System.NullReferenceException: Object reference not set to an instance of an object.
   at Portal.AuthController.ResetPassword(ResetRequest request) in D:\\a\\src\\AuthController.cs:line 88
   at lambda_method5(Closure , Object , Object[] )""",
    ".NET framework frames": """   at System.Text.Json.ThrowHelper.ThrowJsonException(String message)
   at System.Text.Json.JsonSerializer.Deserialize[TValue](String json, JsonSerializerOptions options)""",
    ".NET async marker": """--- End of stack trace from previous location ---""",
    "Go": """panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6b2f3a]

goroutine 37 [running]:
github.com/zitadel/zitadel/internal/command.(*Commands).SetPassword(0x0, {0x1d4e6a0, 0xc0004b2a50})
\t/home/runner/work/zitadel/internal/command/user_v2_password.go:27 +0x3a""",
    "Go frame only": """\t/go/src/app/main.go:112 +0x1d""",
    "Node.js": """TypeError: Cannot read properties of undefined (reading 'email')
    at resetPassword (/srv/app/routes/auth.js:41:23)
    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)""",
    "Node.js bare frame": """    at /srv/app/index.js:10:5""",
    "Ruby": """JSON::ParserError: 859: unexpected token at '{"identifier"'
/usr/local/bundle/gems/json-2.7.1/lib/json/common.rb:219:in `parse'
/app/app/controllers/api/v1/auth_controller.rb:12:in `send_reset'""",
    "Ruby 3.4 quotes": """app/models/member.rb:31:in 'Member#reset_password!'""",
    "PHP": """PHP Fatal error:  Uncaught TypeError: strlen(): Argument #1 ($string) must be of type string
Stack trace:
#0 /var/www/html/reset.php(12): strlen(NULL)
#1 {main}
  thrown in /var/www/html/reset.php on line 12""",
    "PHP frame only": """#3 /var/www/vendor/laravel/framework/src/Illuminate/Routing/Router.php(693): handle()""",
}
RUNTIME = {name: name.split(" ")[0] if name.split(" ")[0] != "Java" else "Java/JVM" for name in TRACES}
RUNTIME.update({"Kotlin": "Java/JVM", "Java caused by": "Java/JVM"})

CLEAN = [
    "Password is too short (DOMAIN-HuJf6)",
    "User could not be found (COMMAND-SAF4f)",
    "oneof zitadel.user.v2.PasswordResetRequest.medium is already set",
    "The API call was made with invalid access credentials.",
    "The reset link is invalid, expired or already used. Request a new one with Forgot Password.",
    "password is too short (minimum is 6 characters)",
    "Expecting value: line 1 column 1 (char 0)",
    "Unexpected token } in JSON at position 12",
    "see https://zitadel.example.com:8443/ui/login/password/init?userID=1&code=ABC123",
    "at least 8 characters, at most 72 bytes",
    "Errors.User.Password.Invalid",
    "retry at 2025-03-05T21:29:22.155Z (in 3 s)",
    "https://app.example.com/password/change?userID={{.UserID}}&code={{.Code}}&orgID={{.OrgID}}",
    "Invalid confirmation token",
    "MXInvalidTemporaryPasswordException",
    "index.php is not served here",
    "the file config.rb was not found",
]


@pytest.mark.parametrize("name", sorted(TRACES))
def test_a_trace_is_found_and_named(name: str) -> None:
    found = find_stack_trace(TRACES[name])
    assert found is not None, f"missed the {name} trace"
    assert found.runtime == RUNTIME[name]


@pytest.mark.parametrize("name", sorted(TRACES))
def test_a_trace_inside_a_json_string_is_found(name: str) -> None:
    body = json.dumps({"Status": "Error", "ExceptionType": "MXException", "ExceptionMessage": TRACES[name]})
    found = find_stack_trace(body)
    assert found is not None and found.runtime == RUNTIME[name]


def test_a_backtrace_sent_as_an_array_of_frames_is_found() -> None:
    body = {"error": "undefined method", "backtrace": ["app/models/member.rb:31:in `reset'", "lib/x.rb:2:in `y'"]}
    found = find_stack_trace(json.dumps(body))
    assert found is not None and found.runtime == "Ruby"


@pytest.mark.parametrize("text", CLEAN)
def test_an_ordinary_message_is_no_trace(text: str) -> None:
    assert find_stack_trace(text) is None
    assert find_stack_trace(json.dumps({"error": text, "message": text})) is None


def _examples(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "value" in node and set(node) <= {"summary", "description", "value"}:
            yield node["value"]
        for value in node.values():
            yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


@pytest.mark.parametrize("vendor", ["placewise", "zitadel", "socialid", "leadsquared"])
def test_no_documented_example_looks_like_a_trace(vendor: str) -> None:
    """Every example body in the vendor's contract (errors included) is a clean answer."""
    spec = yaml.safe_load((specs_dir() / f"{vendor}.yaml").read_text(encoding="utf-8"))
    examples = list(_examples(spec["components"])) + list(_examples(spec["paths"]))
    assert examples, "the spec has no examples to check"
    flagged = [(e, found) for e in examples if (found := find_stack_trace(json.dumps(e)))]
    assert not flagged, flagged[:3]
