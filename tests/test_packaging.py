"""What the wheel ships: every package under bot/, the templates and the migrations.

The package list in pyproject.toml is explicit (templates/ and db/ are mapped into the package
as bot._templates and bot._migrations), so a new package or data file must be named there.
Building and installing the wheel itself is .ci/wheel's job.
"""

from __future__ import annotations

import fnmatch
import tomllib
from importlib import metadata
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.db import MIGRATIONS
from bot.documents import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
MAPPED = {"bot._templates": "templates", "bot._migrations": "db"}


def _source_files(directory: Path) -> list[str]:
    return sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    )


def test_every_package_under_bot_is_listed() -> None:
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "bot").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    listed = set(SETUPTOOLS["packages"])
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert {p for p in listed if p.startswith("bot.") and not p.startswith(tuple(MAPPED))} <= on_disk


def test_templates_and_migrations_are_mapped_into_the_package() -> None:
    assert SETUPTOOLS["package-dir"] == MAPPED
    assert TEMPLATES.resolve() == (ROOT / "templates").resolve()
    assert MIGRATIONS.resolve() == (ROOT / "db").resolve()


def test_every_template_and_migration_file_is_shipped() -> None:
    data = SETUPTOOLS["package-data"]

    def shipped(package: str, name: str) -> bool:
        if "/" in name:  # a file in a subpackage: db/versions/*.py
            sub, rest = name.rsplit("/", 1)
            return f"{package}.{sub.replace('/', '.')}" in SETUPTOOLS["packages"] and rest.endswith(".py")
        return name.endswith(".py") or any(fnmatch.fnmatch(name, g) for g in data.get(package, []))

    for package, directory in MAPPED.items():
        missing = [n for n in _source_files(ROOT / directory) if not shipped(package, n)]
        assert missing == [], f"{directory}/ files the wheel would leave out: {missing}"
    assert "env.py" in _source_files(MIGRATIONS) and "script.py.mako" in _source_files(MIGRATIONS)
    assert "handoff.md.j2" in _source_files(TEMPLATES)


def test_version_is_the_installed_packages() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"tabot {metadata.version('tabot')}\n"
