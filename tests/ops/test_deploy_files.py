"""deploy/: the Dockerfile, the compose file and the systemd unit parse and keep what
docs/deploy.md promises (no Docker engine here; `docker compose config` runs where present)."""

from __future__ import annotations

import configparser
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "a continuation line runs off the end"
    return instructions


def test_the_dockerfile_builds_the_bot_as_an_unprivileged_user() -> None:
    steps = _dockerfile()
    known = {"FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER", "EXPOSE", "HEALTHCHECK"}
    known |= {"STOPSIGNAL", "ENTRYPOINT", "CMD", "ARG", "LABEL"}
    assert {keyword for keyword, _ in steps} <= known
    assert steps[0][0] == "FROM"
    for keyword, args in steps:
        if keyword == "COPY" and not args.startswith("--from"):
            *sources, _target = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: not in the build context"
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    healthcheck = next(args for keyword, args in steps if keyword == "HEALTHCHECK")
    assert "/healthz" in healthcheck
    entrypoint = next(args for keyword, args in steps if keyword == "ENTRYPOINT")
    command = next(args for keyword, args in steps if keyword == "CMD")
    assert json.loads(entrypoint) + json.loads(command) == ["knee-coach", "run"]
    env = " ".join(args for keyword, args in steps if keyword == "ENV")
    assert "HTTP_HOST=0.0.0.0" in env
    assert "HTTP_PORT=8080" in env


def test_compose_runs_postgresql_and_two_bots_with_health_checks_wired() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "bot"}
    postgres, bot = services["postgres"], services["bot"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in bot["environment"]["DATABASE_URL"]
    assert bot["environment"]["HTTP_HOST"] == "0.0.0.0"
    assert bot["deploy"]["replicas"] >= 2, "one active bot and a standby"
    build = bot["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert "pgdata" in compose["volumes"]
    if shutil.which("docker") and _compose_available():
        result = subprocess.run(
            ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
            env={"POSTGRES_PASSWORD": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr


def _compose_available() -> bool:
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    return probe.returncode == 0


def test_the_systemd_unit_runs_the_bot_and_gives_up_on_configuration_faults() -> None:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "knee-coach.service").read_text())
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    assert service["ExecStart"].endswith("knee-coach run")
    assert service["ExecStart"].startswith("/")
    assert service["Restart"] == "on-failure"
    # Exit 2 also ends a start when Telegram stays unreachable, so it is retried, a few times.
    assert int(unit["Unit"]["StartLimitBurst"]) >= 3
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] != "root"
    assert service["EnvironmentFile"].startswith("/etc/")
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_every_setting_is_documented_for_operators() -> None:
    deploy_doc = (ROOT / "docs" / "deploy.md").read_text()
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        key = name.upper()
        assert f"`{key}`" in deploy_doc, f"docs/deploy.md does not describe {key}"
        assert key in example, f".env.example does not describe {key}"
        assert key in readme, f"README.md does not describe {key}"
