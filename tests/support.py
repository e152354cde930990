"""Small helpers the tests share."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from bot.db import transaction
from bot.models import Account
from bot.text import name_key

T = TypeVar("T")


class Clock:
    """A delivery worker's clock, moved by the test: waiting out a Retry-After or a backoff
    costs no wall time. It starts at the real now, since deliveries are owed at the real now."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def wait_for(condition: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    """Poll until `condition()` is truthy: the bot does slow work after acking."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def add_account(sessions, **fields: Any) -> int:
    values: dict[str, Any] = {
        "salesforce_id": "001ACME",
        "name": "Acme Corp",
        "tier": 1,
        "arr": Decimal("250000"),
        "seats": 500,
        "renewal_date": dt.date(2027, 3, 1),
        "ta_user_id": "U0TA001",
        "ae_user_id": "U0AE001",
        "ce_user_id": "U0CE001",
    }
    values.update(fields)
    values["name_key"] = name_key(values["name"])
    with transaction(sessions) as session:
        account = Account(**values)
        session.add(account)
        session.flush()
        return account.id


def eventually(sessions, query: Callable[[Any], T], timeout: float = 5.0, what: str = "the database") -> T:
    """Poll the database with a fresh session each time (a long-lived session can keep an
    old snapshot and never see the bot's commit)."""

    def look() -> T:
        with sessions() as session:
            return query(session)

    return wait_for(look, timeout, what)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chart_pixels(png: bytes, size: tuple[int, int] = (800, 500), drawn: tuple[float, float] = (0.03, 0.6)):
    """The RGB pixels of a chart the bot drew, checked: a PNG of `size` (width, height) whose
    share of non-white pixels is within `drawn` (lines, labels, shading: not a blank canvas,
    nor a filled one)."""
    import io

    from matplotlib import image as mpimg  # matplotlib only for the tests that look at charts

    assert png.startswith(PNG_SIGNATURE), png[:16]
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (size[1], size[0]), pixels.shape
    rgb = pixels[..., :3]
    share = float((rgb < 0.95).any(axis=-1).mean())
    assert drawn[0] < share < drawn[1], share
    return rgb


def colour_pixels(rgb, colour: str, tolerance: float = 0.02) -> int:
    """How many pixels are `colour` (`#rrggbb`)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return int(((abs(rgb[..., 0] - r) < tolerance) & (abs(rgb[..., 1] - g) < tolerance)
                & (abs(rgb[..., 2] - b) < tolerance)).sum())


def valid_blocks(blocks: list[dict]) -> list[dict]:
    """`blocks`, each checked by slack_sdk's Block Kit models (the sandbox checks them too)."""
    from slack_sdk.models.blocks import Block

    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    return blocks


def shown_file(sandbox, message: dict) -> dict:
    """The one uploaded file `message`'s image block shows, checked: a private upload (shared
    in no channel) whose id the block names, with alt text."""
    [image] = [b for b in valid_blocks(message["blocks"]) if b["type"] == "image"]
    assert image["alt_text"].strip()
    [file] = [f for f in sandbox.files if f["id"] == image["slack_file"]["id"]]
    assert file["channels"] == [] and file["groups"] == [] and file["ims"] == []
    return file
