"""The commands the Dockerfile and compose.yaml run are ones `resetkit` accepts (no image can be built here), and
the admin token comes from the environment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from resetkit.cli import ADMIN_TOKEN_VARIABLE
from tests.unit.conftest import ServeSettings

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_default_command_serves_on_all_interfaces(serve_settings: ServeSettings) -> None:
    settings = serve_settings(image_command())
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)


def test_compose_relays_mail_to_its_mail_catcher_and_keeps_state_in_its_volume(serve_settings: ServeSettings) -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["resetkit"]
    command, *argv = service["command"]
    assert command == "serve"
    settings = serve_settings(argv)
    smtp_host = settings.smtp.split(":")[0] if settings.smtp else None
    assert smtp_host in compose["services"], "--smtp must name a service of the compose file"
    assert settings.state_file and any(
        settings.state_file.startswith(volume.split(":")[1]) for volume in service["volumes"]
    ), "--state must live in a mounted volume"


def test_the_fleet_profile_runs_two_replicas_of_one_mock_on_its_redis_behind_one_port(
    serve_settings: ServeSettings,
) -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    replicas = [
        name
        for name, service in services.items()
        if service.get("profiles") == ["fleet"] and service.get("image") == "resetkit:latest"
    ]
    assert len(replicas) == 2
    for name in replicas:
        command, *argv = services[name]["command"]
        assert command == "serve"
        settings = serve_settings(argv)
        assert settings.state_file is not None and settings.state_file.startswith("redis://")
        assert settings.state_file.split("//")[1].split(":")[0] in services, "--state must name the redis service"
        assert settings.public_url == "http://localhost:8090", "links must point at the balancer, not a replica"
    balancer = compose["configs"]["fleet-balancer"]["content"]
    assert all(f"server {name}:8080;" in balancer for name in replicas)
    assert services["fleet"]["ports"] == ["8090:8090"]


def test_the_fleets_replicas_share_the_admin_token_from_the_environment() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    replicas = [service for service in services.values() if service.get("image") == "resetkit:latest"]
    assert all(ADMIN_TOKEN_VARIABLE in service["environment"] for service in replicas)


def image_command() -> list[str]:
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    assert cmd is not None
    command, *argv = json.loads(cmd.group(1))
    assert command == "serve"
    return list(argv)


def test_the_image_takes_its_admin_token_from_the_environment(
    serve_settings: ServeSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ADMIN_TOKEN_VARIABLE, "from-docker-run-e")
    assert serve_settings(image_command()).admin_token == "from-docker-run-e"


def test_the_image_without_a_token_makes_one(serve_settings: ServeSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ADMIN_TOKEN_VARIABLE, raising=False)
    assert serve_settings(image_command()).admin_token  # it listens on 0.0.0.0: never an open admin API


def test_compose_passes_the_admin_token_and_keeps_mailpits_open_inbox_on_loopback() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert ADMIN_TOKEN_VARIABLE in compose["services"]["resetkit"]["environment"]
    assert all(port.startswith("127.0.0.1:") for port in compose["services"]["mailpit"]["ports"])
