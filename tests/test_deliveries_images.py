"""A message that shows a file the bot uploads just before it (an image block naming a Slack
file by id): the private upload, the id put in place when the message is claimed, and what
happens when the upload fails or Slack is still processing the file."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.db import transaction
from bot.deliveries import store
from bot.deliveries.record import OWED_FILE
from bot.deliveries.store import IMAGE_ATTEMPTS
from bot.slack_gateway import SlackGateway, Subject
from support import Clock
from test_deliveries import owe, runner, statuses

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def card_blocks(text: str = "the card") -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "image", "slack_file": {"id": OWED_FILE}, "alt_text": "a chart"}]


def owe_card(session, user: str = "U0TA001", channel: str = "C0GENERAL"):
    upload = SlackGateway.upload(session, user, content=PNG, filename="chart-1.png", title="Chart", private=True)
    SlackGateway.ephemeral(session, channel, user, text="the card", blocks=card_blocks(), image_from=upload)
    return upload.id


def test_the_card_shows_the_private_upload_by_its_file_id(ctx, sandbox) -> None:
    owe(ctx, owe_card)
    assert runner(ctx, sandbox).drain(timeout=5) == 2
    [chart] = sandbox.files
    assert chart["channels"] == [] and chart["ims"] == [] and chart["bytes"] == PNG  # shared nowhere
    assert sandbox.messages("C0GENERAL") == [] and sandbox.messages("U0TA001") == []
    [card] = sandbox.ephemerals
    assert card["blocks"][1]["slack_file"] == {"id": chart["id"]}
    assert statuses(ctx) == ["done", "done"]


def test_a_channel_post_shows_a_private_upload_in_its_queue(ctx, sandbox) -> None:
    def record(session):
        upload = SlackGateway.upload(session, "C0GENERAL", content=PNG, filename="chart-2.png", title="Chart",
                                     private=True)
        SlackGateway.post(session, "C0GENERAL", Subject("account", 1, "card"), text="the card", blocks=card_blocks(),
                          image_from=upload)

    owe(ctx, record)
    runner(ctx, sandbox).drain(timeout=5)
    [chart] = sandbox.files
    [message] = sandbox.messages("C0GENERAL")  # the card only: the file itself is not posted
    assert message["blocks"][1]["slack_file"] == {"id": chart["id"]}


def test_the_card_goes_without_its_image_when_the_upload_failed(ctx, sandbox) -> None:
    owe(ctx, owe_card)
    sandbox.fail_next("files.getUploadURLExternal", "invalid_arguments")
    runner(ctx, sandbox).drain(timeout=5)
    assert statuses(ctx) == ["failed", "done"]
    [card] = sandbox.ephemerals
    assert [b["type"] for b in card["blocks"]] == ["section"] and card["text"] == "the card"


def test_slack_still_processing_the_file_is_waited_out_not_a_failure(ctx, sandbox) -> None:
    owe(ctx, owe_card)
    clock = Clock()
    worker = runner(ctx, sandbox, clock)
    assert worker.deliver_one()  # the upload
    sandbox.fail_next("chat.postEphemeral", "invalid_blocks")  # "invalid slack file" for a moment
    assert worker.deliver_one()
    assert statuses(ctx) == ["done", "pending"] and sandbox.ephemerals == []
    clock.advance(10)
    assert worker.drain(timeout=5) == 1
    [card] = sandbox.ephemerals
    assert card["blocks"][1]["slack_file"]["id"] == sandbox.files[0]["id"]


def test_after_repeated_refusals_the_card_goes_without_the_image(ctx, sandbox) -> None:
    owe(ctx, owe_card)
    clock = Clock()
    worker = runner(ctx, sandbox, clock)
    worker.deliver_one()
    for _ in range(IMAGE_ATTEMPTS):
        sandbox.fail_next("chat.postEphemeral", "invalid_blocks")
    for _ in range(IMAGE_ATTEMPTS):
        assert worker.deliver_one()
        clock.advance(600)
    assert worker.drain(timeout=5) == 1
    [card] = sandbox.ephemerals
    assert [b["type"] for b in card["blocks"]] == ["section"]
    assert statuses(ctx) == ["done", "done"]


def test_a_message_can_only_show_a_file_owed_in_its_own_queue(ctx) -> None:
    with pytest.raises(ValueError, match="only show a file uploaded in that queue"):
        with transaction(ctx.sessions) as session:
            upload = SlackGateway.upload(session, "U0AE001", content=PNG, filename="c.png", title="c", private=True)
            SlackGateway.ephemeral(session, "C0GENERAL", "U0TA001", text="x", blocks=card_blocks(), image_from=upload)
    with pytest.raises(ValueError, match="private file goes in a queue"):
        with transaction(ctx.sessions) as session:
            parent = SlackGateway.post(session, "C0GENERAL", Subject("t", 1, "p"), text="parent")
            SlackGateway.upload(session, "C0GENERAL", content=PNG, filename="c.png", title="c", thread=parent,
                                private=True)


def test_a_private_upload_whose_worker_died_is_found_not_uploaded_again(ctx, sandbox) -> None:
    owe(ctx, owe_card)
    clock = Clock()
    worker = runner(ctx, sandbox, clock)
    with transaction(ctx.sessions) as session:  # a worker claims the upload, Slack gets it, the worker dies
        claimed = store.claim_next(session, clock(), worker.lease, "dead-worker")
    worker.deliverer.deliver(claimed)
    assert len(sandbox.files) == 1
    clock.advance(worker.lease.total_seconds() + 1)
    assert worker.drain(timeout=5) == 2
    assert len(sandbox.files) == 1 and len(sandbox.calls_to("files.completeUploadExternal")) == 1
    [card] = sandbox.ephemerals
    assert card["blocks"][1]["slack_file"]["id"] == sandbox.files[0]["id"]
    assert dt.timedelta(seconds=60) == worker.lease
