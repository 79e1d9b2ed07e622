"""Development time: compile the `.proto` subset in `proto/` into `descriptors.binpb` with grpcio-tools (test extra).

python -m resetkit.vendors.zitadel.build_descriptors --write   # regenerate after editing a .proto
python -m resetkit.vendors.zitadel.build_descriptors           # exit 1 when the committed set is stale
"""

from __future__ import annotations

import sys
import tempfile
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).parent
PROTO_DIR = HERE / "proto"
DESCRIPTOR_SET = HERE / "descriptors.binpb"


def compile_subset() -> bytes:
    """`protoc` over `proto/`: a FileDescriptorSet without source info and without imports (the well-known
    types come from the protobuf runtime at load time)."""
    from grpc_tools import protoc

    sources = sorted(str(path.relative_to(PROTO_DIR)) for path in PROTO_DIR.rglob("*.proto"))
    include = files("grpc_tools").joinpath("_proto")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / DESCRIPTOR_SET.name
        code = protoc.main(["protoc", f"-I{PROTO_DIR}", f"-I{include}", f"--descriptor_set_out={out}", *sources])
        if code != 0:
            raise RuntimeError(f"protoc failed with exit code {code}")
        return out.read_bytes()


def main(argv: list[str]) -> int:
    compiled = compile_subset()
    if "--write" in argv:
        DESCRIPTOR_SET.write_bytes(compiled)
        return 0
    return 0 if DESCRIPTOR_SET.read_bytes() == compiled else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
