"""Operator commands: `tabot config` (the settings in force and where each came from) and
`tabot doctor` (does the bot work in its workspace: Slack, scopes, channels, people, database)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal
from pathlib import Path

import click
from pydantic import SecretStr

from .settings import Settings, SettingsError, load_settings

ENV_FILE = ".env"  # as Settings reads it: in the working directory


def _load() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def sources(env_file: Path = Path(ENV_FILE)) -> dict[str, str]:
    """Variable name -> "environment", ".env" or "default", the way pydantic-settings decides
    (names case-insensitive; the environment wins over the file)."""
    from dotenv import dotenv_values

    environment = {key.upper() for key in os.environ}
    in_file = (
        {key.upper() for key, value in dotenv_values(env_file).items() if value is not None}
        if env_file.is_file()
        else set()
    )
    found = {}
    for name, field in Settings.model_fields.items():
        alias = (field.alias or name).upper()
        found[alias] = "environment" if alias in environment else ".env" if alias in in_file else "default"
    return found


def shown(name: str, value: object) -> str:
    """A setting's value as an operator writes it; secrets only say whether they are set, and a
    database URL never shows its password."""
    if isinstance(value, SecretStr):
        return "*** (set)" if value.get_secret_value() else "(empty)"
    if value is None:
        return "(not set)"
    if name == "DATABASE_URL":
        from sqlalchemy.engine import make_url

        try:
            return make_url(str(value)).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - validated already; never echo it if it will not parse
            return "(set)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(empty)"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def settings_table(settings: Settings) -> list[tuple[str, str, str]]:
    origin = sources()
    rows = []
    for name, field in Settings.model_fields.items():
        alias = field.alias or name.upper()
        rows.append((alias, shown(alias, getattr(settings, name)), origin[alias.upper()]))
    return rows


@click.command("config")
def config() -> None:
    """Every setting, its value and where it came from (environment, .env, default); secrets masked."""
    rows = settings_table(_load())
    width = max(len(name) for name, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), 40)
    for name, value, origin in rows:
        click.echo(f"{name:<{width}}  {value:<{value_width}}  {origin}")


@click.command("doctor")
def doctor() -> None:
    """Check the token, its scopes, the channels, the people settings and the database; exit 1 on a problem."""
    from .doctor import run_checks
    from .text import count

    settings = _load()
    failed = 0
    for check in run_checks(settings):
        click.echo(check.line())
        failed += not check.ok
    if failed:
        click.echo(f"{count(failed, 'problem')} found", err=True)
        sys.exit(1)
    click.echo("all checks passed")
