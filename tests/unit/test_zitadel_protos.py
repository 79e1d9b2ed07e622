"""ZITADEL's message definitions: the committed descriptor set is the compiled `.proto` subset, and every message
in it matches the official descriptors npm `@zitadel/proto` ships (field names, numbers, types, oneofs)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from resetkit.vendors.zitadel import build_descriptors, protos
from tests.npm.packages import node_modules

pytestmark = pytest.mark.zitadel

# Fields newer than @zitadel/proto 1.3.1 that the mock serves (the SDKs send them): message -> field names.
NEWER_THAN_NPM = {"zitadel.session.v2.Checks": {"recovery_code"}}
NEWER_MESSAGES = {"zitadel.session.v2.CheckRecoveryCode"}  # upstream session_service.proto, after 1.3.1
# Where each official file descriptor lives in the npm package (protoc-gen-es embeds it in `*_pb.js`).
FILE_DESCRIPTOR = re.compile(r'fileDesc\("([A-Za-z0-9+/]+)"')


def test_the_committed_descriptor_set_is_the_compiled_proto_subset() -> None:
    stale = "descriptors.binpb is stale: run python -m resetkit.vendors.zitadel.build_descriptors --write"
    assert build_descriptors.compile_subset() == build_descriptors.DESCRIPTOR_SET.read_bytes(), stale


def test_every_served_rpc_is_in_the_descriptors() -> None:
    user = {"AddHumanUser", "GetUserByID", "PasswordReset", "SetPassword", "ListUsers", "DeleteUser"}
    user.add("ListAuthenticationMethodTypes")
    session = {"CreateSession", "SetSession", "GetSession", "ListSessions", "DeleteSession"}
    settings = {f"Get{name}" for name in ("LoginSettings", "BrandingSettings", "PasswordComplexitySettings")}
    settings |= {f"Get{name}" for name in ("LockoutSettings", "PasswordExpirySettings", "SecuritySettings")}
    settings |= {f"Get{name}" for name in ("GeneralSettings", "LegalAndSupportSettings", "ActiveIdentityProviders")}
    settings.add("GetHostedLoginTranslation")
    assert set(protos.rpcs()) == {
        *(f"/zitadel.user.v2.UserService/{method}" for method in user),
        *(f"/zitadel.session.v2.SessionService/{method}" for method in session),
        *(f"/zitadel.settings.v2.SettingsService/{method}" for method in settings),
        "/zitadel.org.v2.OrganizationService/ListOrganizations",
    }


def _ours() -> Iterator[descriptor_pb2.FileDescriptorProto]:
    data = descriptor_pb2.FileDescriptorSet.FromString(build_descriptors.DESCRIPTOR_SET.read_bytes())
    yield from data.file


def _official(root: Path, proto_file: str) -> descriptor_pb2.FileDescriptorProto:
    script = root / "@zitadel" / "proto" / "es" / proto_file.replace(".proto", "_pb.js")
    if proto_file == "google/rpc/status.proto":
        pytest.skip("google.rpc.Status is not part of @zitadel/proto")
    match = FILE_DESCRIPTOR.search(script.read_text(encoding="utf-8"))
    assert match, f"no embedded file descriptor in {script}"
    encoded = match.group(1)
    return descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(encoded + "=" * (-len(encoded) % 4)))


def _messages(
    messages: list[descriptor_pb2.DescriptorProto], prefix: str
) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    for message in messages:
        name = f"{prefix}.{message.name}"
        yield name, message
        yield from _messages(list(message.nested_type), name)


def _shape(message: descriptor_pb2.DescriptorProto) -> dict[str, tuple[int, int, int, str, str | None, bool]]:
    """name -> (number, type, label, type name, real oneof, proto3 optional) for each field."""
    oneofs = [o.name for o in message.oneof_decl]
    return {
        f.name: (
            f.number,
            f.type,
            f.label,
            f.type_name,
            oneofs[f.oneof_index] if f.HasField("oneof_index") and not f.proto3_optional else None,
            f.proto3_optional,
        )
        for f in message.field
    }


def _files() -> list[str]:
    return [f.name for f in _ours() if f.name != "google/rpc/status.proto"]


@pytest.mark.parametrize("proto_file", _files())
def test_every_message_matches_the_official_descriptor(proto_file: str) -> None:
    official = _official(node_modules(), proto_file)
    ours = next(f for f in _ours() if f.name == proto_file)
    assert ours.package == official.package
    theirs = dict(_messages(list(official.message_type), official.package))
    for name, message in _messages(list(ours.message_type), ours.package):
        if name in NEWER_MESSAGES:
            continue
        assert name in theirs, f"{name} is not in @zitadel/proto's {proto_file}"
        expected = _shape(theirs[name])
        actual = {k: v for k, v in _shape(message).items() if k not in NEWER_THAN_NPM.get(name, set())}
        assert actual == expected, name
    official_enums = {e.name: [(v.name, v.number) for v in e.value] for e in official.enum_type}
    for enum in ours.enum_type:
        assert [(v.name, v.number) for v in enum.value] == official_enums[enum.name], enum.name
    official_methods = {(s.name, m.name): (m.input_type, m.output_type) for s in official.service for m in s.method}
    for service in ours.service:
        for method in service.method:
            assert official_methods[(service.name, method.name)] == (method.input_type, method.output_type)


def test_every_zitadel_operation_names_a_served_rpc_and_connect_paths_are_that_rpc() -> None:
    from resetkit.openapi.spec import load_spec

    for operation in load_spec("zitadel"):
        rpc = operation.extensions.get("x-rpc")
        assert rpc in protos.rpcs(), f"{operation.operation_id}: x-rpc {rpc!r} is not a served RPC"
        if operation.operation_id.startswith("connect"):
            assert operation.path == rpc, operation.operation_id
