"""ZITADEL's messages as protobuf descriptors: loaded at start-up from `descriptors.binpb` (compiled from the
`.proto` subset in `proto/` by `build_descriptors.py`), so every wire decodes and encodes with ZITADEL's field
names and numbers. No generated Python: the classes come from protobuf's message factory.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from google.protobuf import any_pb2, descriptor_pool, duration_pb2, json_format, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.message_factory import GetMessageClass

from ...errors import ApiError, Kind

DESCRIPTOR_SET = "descriptors.binpb"
SERVICES = (
    "zitadel.user.v2.UserService",
    "zitadel.session.v2.SessionService",
    "zitadel.settings.v2.SettingsService",
    "zitadel.org.v2.OrganizationService",
)


@dataclass(frozen=True, slots=True)
class Rpc:
    """One served RPC: `/zitadel.user.v2.UserService/PasswordReset` and its request and response messages."""

    path: str
    request: Descriptor
    response: Descriptor


def _split_descriptor_set(data: bytes) -> list[bytes]:
    """The serialized FileDescriptorProtos of a FileDescriptorSet (`repeated FileDescriptorProto file = 1`)."""
    files_: list[bytes] = []
    position = 0
    while position < len(data):
        if data[position] != 0x0A:  # field 1, length-delimited: the only field of FileDescriptorSet
            raise ValueError(f"{DESCRIPTOR_SET}: not a FileDescriptorSet")
        length, shift, position = 0, 0, position + 1
        while True:
            byte = data[position]
            length |= (byte & 0x7F) << shift
            position, shift = position + 1, shift + 7
            if not byte & 0x80:
                break
        files_.append(data[position : position + length])
        position += length
    return files_


@functools.cache
def pool() -> descriptor_pool.DescriptorPool:
    """A private pool (never protobuf's default one): the well-known types, then ZITADEL's subset."""
    found = descriptor_pool.DescriptorPool()
    for well_known in (any_pb2, duration_pb2, struct_pb2, timestamp_pb2):
        found.AddSerializedFile(well_known.DESCRIPTOR.serialized_pb)
    for serialized in _split_descriptor_set(files(__package__).joinpath(DESCRIPTOR_SET).read_bytes()):
        found.AddSerializedFile(serialized)
    return found


def message_type(full_name: str) -> Descriptor:
    return pool().FindMessageTypeByName(full_name)


@functools.cache
def message_class(full_name: str) -> type[Message]:
    return GetMessageClass(message_type(full_name))


@functools.cache
def rpcs() -> Mapping[str, Rpc]:
    """Every served RPC by its path (`/<package>.<Service>/<Method>`, the same on gRPC, gRPC-web and Connect)."""
    found = {}
    for service_name in SERVICES:
        service = pool().FindServiceByName(service_name)
        for method in service.methods:
            path = f"/{service.full_name}/{method.name}"
            found[path] = Rpc(path, method.input_type, method.output_type)
    return found


def decode(message: Descriptor, data: bytes) -> dict[str, Any]:
    """Binary protobuf -> the protobuf JSON mapping (lowerCamelCase names, uint64 as strings, enum names)."""
    instance = message_class(message.full_name)()
    try:
        instance.ParseFromString(data)
    except DecodeError as exc:
        raise ApiError(Kind.MALFORMED, f"proto: cannot parse invalid wire-format data ({exc})") from None
    result: dict[str, Any] = json_format.MessageToDict(instance)
    return result


def encode(message: Descriptor, value: Mapping[str, Any]) -> bytes:
    """The protobuf JSON mapping of `message` -> binary protobuf (fields the message lacks are dropped)."""
    instance = message_class(message.full_name)()
    json_format.ParseDict(dict(value), instance, ignore_unknown_fields=True)
    return bytes(instance.SerializeToString())
