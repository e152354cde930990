"""The Dockerfile and compose.yaml, checked without Docker (CI builds the image where a Docker
engine runs, and lints the Dockerfile with hadolint otherwise: .ci/docker): what the Dockerfile
copies exists and is not ignored, it runs as a user without privileges with `tabot serve` by
default and /healthz as its health check, and every tabot command in either file is one the
command line accepts (options included)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


def instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def exec_form(argument: str) -> list[str]:
    return json.loads(argument) if argument.startswith("[") else shlex.split(argument)


def check_tabot_command(args: list[str]) -> None:
    """Raise click's error unless `tabot ARGS` names a command with options it accepts."""
    command: click.Command = main
    ctx = None
    rest = list(args)
    while isinstance(command, click.Group):
        name, rest = rest[0], rest[1:]
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f"tabot has no command {name!r} ({args})"
        command = sub
    ctx = command.make_context(command.name or "tabot", rest)
    assert ctx is not None


def test_what_the_dockerfile_copies_exists_and_is_not_ignored() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    sources = []
    for op, argument in instructions():
        if op in ("COPY", "ADD") and "--from=" not in argument:
            sources += shlex.split(argument)[:-1]
    assert sources, "the Dockerfile copies nothing from the repository"
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source.rstrip("/") not in ignored, f"{source} is in .dockerignore"
    # the wheel needs its package directories, the package-dir mappings and the readme
    pyproject = (ROOT / "pyproject.toml").read_text()
    needed = {"pyproject.toml", "README.md", "bot", *re.findall(r'^"bot\._\w+" = "(\w+)"', pyproject, re.M)}
    assert needed <= {source.rstrip("/").removeprefix("./") for source in sources}


def test_the_image_runs_tabot_serve_unprivileged_with_healthz_as_health_check() -> None:
    steps = dict(final_stage())  # the last of each instruction in the final stage
    assert steps["FROM"].startswith("python:3.11-slim")
    assert steps["USER"] not in ("root", "0", "0:0")
    assert "tabot-*.whl" in steps["RUN"] and "pip install" in steps["RUN"]
    assert exec_form(steps["ENTRYPOINT"]) == ["tabot"]
    command = exec_form(steps["CMD"])
    assert command[0] == "serve"
    check_tabot_command(command)
    port = command[command.index("--port") + 1]
    assert f"http://127.0.0.1:{port}/healthz" in steps["HEALTHCHECK"]
    assert steps["EXPOSE"] == port


def test_compose_runs_postgres_a_server_a_worker_and_the_scheduler() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "server", "worker", "scheduler"}
    for name in ("migrate", "server", "worker", "scheduler"):
        check_tabot_command(services[name]["command"])
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["command"] == ["db", "upgrade"]
    # deliveries are the worker's, jobs the scheduler's: the server does neither
    assert {"--no-worker", "--no-scheduler"} <= set(services["server"]["command"])
    assert services["worker"]["command"][0] == "worker"
    assert services["scheduler"]["command"][:2] == ["scheduler", "--no-worker"]
    for name in ("worker", "scheduler"):  # no /healthz there
        assert services[name]["healthcheck"] == {"disable": True}
    assert services["server"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("args", [["serve", "--colour"], ["nonsense"]])
def test_the_command_check_catches_a_wrong_command(args) -> None:
    with pytest.raises((click.UsageError, AssertionError)):
        check_tabot_command(args)
