"""The field mapping: which Salesforce field holds each import column (TOML, see mapping.toml),
checked against the org's describe before a sync reads anything."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

OBJECTS = {
    "account": "Account",
    "opportunity": "Opportunity",
    "contact": "Contact",
    "writeback": "Account",
    "usage": "",
    "owners": "",
}  # usage: the custom object its `object` names; owners: no object
REQUIRED = {
    "account": ("salesforce_id", "name"),
    "opportunity": ("account", "stage", "close_date"),
    "contact": ("account", "name", "email"),
}
USAGE_REQUIRED = ("object", "salesforce_id", "month", "dau", "mau")  # when the optional [usage] is there
WRITEBACK = ("health", "health_reason", "ta", "save_plan_status", "save_plan_link", "next_steps")
OWNERS = ("crm", "tabot")
DEFAULT_OWNERS = {"ta": "crm"}  # every other written field is tabot's


class MappingError(Exception):
    """The mapping is unusable, or names a field the org does not have; the message says which."""


@dataclass(frozen=True)
class Mapping:
    sections: dict[str, dict[str, str]]  # section -> import column -> Salesforce field

    def __getitem__(self, section: str) -> dict[str, str]:
        return self.sections.get(section, {})

    def object_of(self, section: str) -> str:
        return self["usage"].get("object", "") if section == "usage" else OBJECTS[section]

    def columns(self, section: str) -> dict[str, str]:
        """The section's import column -> field (the usage section's `object` left out)."""
        return {c: f for c, f in self[section].items() if not (section == "usage" and c == "object")}

    def objects(self) -> list[str]:
        """Every object the mapping reads."""
        return list(dict.fromkeys(self.object_of(s) for s in self.sections if self.object_of(s)))

    def fields_of(self, sobject: str) -> set[str]:
        """Every field the mapping names on `sobject`."""
        return {
            field
            for section in self.sections
            if self.object_of(section) == sobject
            for field in self.columns(section).values()
        }

    def crm_owns(self, column: str) -> bool:
        """Whether the CRM owns the written field `column` (a later CRM change wins) rather than
        tabot (a later CRM change is reported to the TA, tabot's value is kept)."""
        return self["owners"].get(column, DEFAULT_OWNERS.get(column, "tabot")) == "crm"


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
            raise MappingError(
                f"TABOT_SALESFORCE_FIELDS: {override!r} is not section.column=Field "
                f"(section one of {', '.join(OBJECTS)})"
            )
        sections.setdefault(section, {})[column] = field
    required = dict(REQUIRED, **({"usage": USAGE_REQUIRED} if "usage" in sections else {}))
    for section, columns in required.items():
        missing = [c for c in columns if c not in sections.get(section, {})]
        if missing:
            raise MappingError(f"the mapping's [{section}] must name a field for: {', '.join(missing)}")
    unknown = [c for c in sections.get("writeback", {}) if c not in WRITEBACK]
    if unknown:
        raise MappingError(
            f"the mapping's [writeback] has no column {', '.join(unknown)}: one of {', '.join(WRITEBACK)}"
        )
    for column, owner in sections.get("owners", {}).items():
        if column not in WRITEBACK or owner not in OWNERS:
            raise MappingError(
                f"the mapping's [owners] {column} = {owner!r}: a [writeback] column and \"crm\" or \"tabot\""
            )
    return Mapping(sections)


def check_against_org(mapping: Mapping, describe: dict[str, set[str]], with_writeback: bool = True) -> None:
    """Raise MappingError naming every mapped field the org's objects do not have."""
    missing = []
    for section in mapping.sections:
        sobject = mapping.object_of(section)
        if (section == "writeback" and not with_writeback) or not sobject:
            continue
        missing += [
            f"{sobject}.{field} ({section}.{column})"
            for column, field in mapping.columns(section).items()
            if field not in describe.get(sobject, set())
        ]
    if missing:
        raise MappingError(
            "the Salesforce org has no field "
            + ", ".join(missing)
            + ": create it in Salesforce, or map the column to another field with "
            "TABOT_SALESFORCE_FIELDS (section.column=Field)"
        )
