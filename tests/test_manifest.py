"""app.yaml is a valid Slack manifest and matches the commands the code answers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.slack_ids import Command

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "data" / "slack-app-manifest.schema.json"  # vendored, see tests/data/README.md


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "app.yaml").read_text())


def test_manifest_validates_against_slacks_schema(manifest: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(manifest, schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema does check: a manifest needs its name
        jsonschema.validate({k: v for k, v in manifest.items() if k != "display_information"}, schema)


def test_manifest_commands_are_the_ones_the_code_answers(manifest: dict) -> None:
    in_manifest = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert in_manifest == {c.value for c in Command}


def test_every_manifest_command_is_answered(bot, manifest: dict) -> None:
    """Bolt answers 404 to a command nobody listens for; each manifest command gets a 200."""
    for command in manifest["features"]["slash_commands"]:
        reply = bot.slack.command("U0TA001", command["command"], "")
        assert reply.status == 200, command["command"]


def test_manifest_subscribes_to_home_and_interactivity(manifest: dict) -> None:
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "users:read.email" in manifest["oauth_config"]["scopes"]["bot"]  # import resolves emails
