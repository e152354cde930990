"""Segment names: the accounts import takes the success model's names (Strategic, Enterprise,
Mid-Market, SMB) and the technical-advisors document's (Strategic, Large Enterprise, Small
Enterprise, Commercial) for the same segments; a Commercial account under the Scaled threshold
(`TABOT_SCALED_SUCCESS_ARR_BELOW`, $50k) is Scaled Success."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.models import Account
from bot.rules.segments import is_scaled_success, segment_named
from test_import import HEADER, write
from test_import import tabot  # noqa: F401 - the fixture

NAMES = [
    ("Strategic", "Strategic"), ("Enterprise", "Enterprise"), ("Mid-Market", "Mid-Market"), ("SMB", "SMB"),
    ("Large Enterprise", "Enterprise"), ("Small Enterprise", "Mid-Market"), ("Commercial", "SMB"),
    ("large enterprise", "Enterprise"), ("SMALL-ENTERPRISE", "Mid-Market"), ("Scaled Success", "SMB"),
]


def imported(sessions, salesforce_id: str) -> Account:
    with sessions() as session:
        return session.scalars(select(Account).where(Account.salesforce_id == salesforce_id)).one()


@pytest.mark.parametrize(("name", "segment"), NAMES)
def test_each_segment_name_imports_as_the_models_segment(tabot, tmp_path, sessions, name, segment) -> None:
    path = write(tmp_path, "a.csv", HEADER + f"001A,Acme,1,{name},900000,500,,,,,,\n")
    result = tabot("import", "accounts", path)
    assert result.exit_code == 0, result.output
    assert imported(sessions, "001A").segment.value == segment


def test_an_unknown_segment_names_both_vocabularies(tabot, tmp_path, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER + "001A,Acme,1,Medium Enterprise,900000,500,,,,,,\n")
    result = tabot("import", "accounts", path)
    assert result.exit_code == 1
    assert ('line 2: segment "Medium Enterprise" is not one of: Strategic, Enterprise, Mid-Market, SMB, '
            "Large Enterprise, Small Enterprise, Commercial, Scaled Success") in result.output


def test_commercial_under_the_threshold_is_scaled_success(tabot, tmp_path, sessions) -> None:
    path = write(tmp_path, "a.csv", HEADER
                 + "001A,Under,3,Commercial,49999.99,20,,,,,,\n"
                 + "001B,At,3,Commercial,50000,20,,,,,,\n"
                 + "001C,Unknown ARR,3,SMB,,20,,,,,,\n"
                 + "001D,Enterprise,2,Large Enterprise,10000,20,,,,,,\n"
                 + "001E,Named,3,Scaled Success,80000,20,,,,,,\n")
    assert tabot("import", "accounts", path).exit_code == 0
    assert [imported(sessions, s).scaled for s in ("001A", "001B", "001C", "001D", "001E")] == [
        True, False, False, False, True]
    # it grows past the threshold: no longer Scaled Success; an explicit `scaled` cell wins
    path = write(tmp_path, "b.csv", HEADER.rstrip("\n") + ",scaled\n"
                 + "001A,Under,3,Commercial,75000,20,,,,,,,\n"
                 + "001B,At,3,Commercial,50000,20,,,,,,,yes\n")
    assert tabot("import", "accounts", path).exit_code == 0
    assert (imported(sessions, "001A").scaled, imported(sessions, "001B").scaled) == (False, True)


def test_the_threshold_is_a_setting(tabot, tmp_path, sessions, monkeypatch) -> None:
    monkeypatch.setenv("TABOT_SCALED_SUCCESS_ARR_BELOW", "100000")
    path = write(tmp_path, "a.csv", HEADER + "001A,Acme,3,Commercial,75000,20,,,,,,\n")
    assert tabot("import", "accounts", path).exit_code == 0
    assert imported(sessions, "001A").scaled is True


def test_segment_rules() -> None:
    assert segment_named("Commercial") == ("SMB", False) and segment_named("scaled success") == ("SMB", True)
    assert segment_named("Medium") is None
    below = Decimal(50000)
    assert is_scaled_success("SMB", Decimal("49999.99"), below) and not is_scaled_success("SMB", below, below)
    assert not is_scaled_success("SMB", None, below) and not is_scaled_success("Mid-Market", Decimal(1), below)
