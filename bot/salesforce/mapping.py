"""The field mapping: which Salesforce field holds each import column (TOML, see mapping.toml),
checked against the org's describe before a sync reads anything."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

OBJECTS = {"account": "Account", "opportunity": "Opportunity", "contact": "Contact", "writeback": "Account"}
REQUIRED = {
    "account": ("salesforce_id", "name"),
    "opportunity": ("account", "stage", "close_date"),
    "contact": ("account", "name", "email"),
}


class MappingError(Exception):
    """The mapping is unusable, or names a field the org does not have; the message says which."""


@dataclass(frozen=True)
class Mapping:
    sections: dict[str, dict[str, str]]  # section -> import column -> Salesforce field

    def __getitem__(self, section: str) -> dict[str, str]:
        return self.sections.get(section, {})

    def fields_of(self, sobject: str) -> set[str]:
        """Every field the mapping names on `sobject`."""
        return {field for section, columns in self.sections.items() if OBJECTS[section] == sobject
                for field in columns.values()}


def load_mapping(path: str | None = None, overrides: Sequence[str] = ()) -> Mapping:
    """The default mapping (or the file at `path`), with `section.column=Field` overrides."""
    try:
        text = Path(path).read_text() if path else (resources.files("bot.salesforce") / "mapping.toml").read_text()
        data = tomllib.loads(text)
    except OSError as exc:
        raise MappingError(f"TABOT_SALESFORCE_MAPPING {path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"TABOT_SALESFORCE_MAPPING {path or 'mapping.toml'}: not TOML ({exc})") from None
    sections: dict[str, dict[str, str]] = {}
    for section, columns in data.items():
        if section not in OBJECTS or not isinstance(columns, dict):
            raise MappingError(f"the mapping's [{section}] is not one of: {', '.join(OBJECTS)}")
        sections[section] = {str(k): str(v) for k, v in columns.items()}
    for override in overrides:
        key, eq, field = override.partition("=")
        section, dot, column = key.partition(".")
        if not (eq and dot and field) or section not in OBJECTS:
            raise MappingError(f"TABOT_SALESFORCE_FIELDS: {override!r} is not section.column=Field "
                               f"(section one of {', '.join(OBJECTS)})")
        sections.setdefault(section, {})[column] = field
    for section, columns in REQUIRED.items():
        missing = [c for c in columns if c not in sections.get(section, {})]
        if missing:
            raise MappingError(f"the mapping's [{section}] must name a field for: {', '.join(missing)}")
    return Mapping(sections)


def check_against_org(mapping: Mapping, describe: dict[str, set[str]], with_writeback: bool = True) -> None:
    """Raise MappingError naming every mapped field the org's objects do not have."""
    missing = []
    for section, columns in mapping.sections.items():
        if section == "writeback" and not with_writeback:
            continue
        sobject = OBJECTS[section]
        missing += [f"{sobject}.{field} ({section}.{column})" for column, field in columns.items()
                    if field not in describe.get(sobject, set())]
    if missing:
        raise MappingError("the Salesforce org has no field " + ", ".join(missing) +
                           ": create it in Salesforce, or map the column to another field with "
                           "TABOT_SALESFORCE_FIELDS (section.column=Field)")
