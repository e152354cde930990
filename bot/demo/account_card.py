"""Demo chapter: the account card. Abe (AE) asks for Acme's card in #general and only he sees
it, its 12-month chart uploaded privately and shown in the card; Otto, on no account team, is
refused; Abe shares the card in the channel; Tara asks for Globex's by mentioning the bot."""

from __future__ import annotations

from sqlalchemy import delete

from ..models import SlackMessage
from ..sandbox.transcript import readable
from . import AE, OUTSIDER, TA, Demo, sample_account_ids


def reset(session) -> None:
    session.execute(
        delete(SlackMessage).where(
            SlackMessage.subject_type == "account", SlackMessage.subject_id.in_(sample_account_ids())
        )
    )


def _cards(demo: Demo, user: str) -> list[dict]:
    return [
        e for e in demo.sandbox.ephemerals if e["user"] == user and e["blocks"] and e["blocks"][0]["type"] == "header"
    ]


def _card_after(demo: Demo, user: str, action) -> dict:
    """Do `action` and wait for the card it brings (rendered, uploaded and delivered)."""
    before = len(_cards(demo, user))
    action()
    demo.wait(lambda: len(_cards(demo, user)) > before, timeout=20)
    return _cards(demo, user)[-1]


def run(demo: Demo) -> None:
    sandbox, slack, echo = demo.sandbox, demo.slack, demo.echo
    demo.step("Abe (AE) types /account acme in #general: Acme's card, only he sees it, with its chart")
    card = _card_after(demo, AE, lambda: slack.command(AE, "/account", "acme"))
    demo.show()
    [image] = [b for b in card["blocks"] if b["type"] == "image"]
    chart = next(f for f in sandbox.files if f["id"] == image["slack_file"]["id"])
    echo(
        f"  (the chart: {chart['name']}, a {chart['size']:,}-byte PNG shared in no channel; the card's image "
        f"block shows it by its file id {chart['id']})"
    )

    demo.step("Otto, who is on no account team, tries /account acme")
    before = len(sandbox.responses)
    slack.command(OUTSIDER, "/account", "acme")
    demo.wait(lambda: len(sandbox.responses) > before)
    echo(f"  (only visible to @Otto Outsider) {readable(sandbox, sandbox.responses[-1]['text'])}")
    demo.skip()

    demo.step("Abe clicks Share in channel: the card, with the same chart, for everyone in #general")
    share = next(
        e
        for b in card["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "share_account_card"
    )
    posted = len(sandbox.messages("general"))
    slack.click(AE, "share_account_card", share["value"], message=card, block_id="account_card_actions")
    demo.wait(lambda: len(sandbox.messages("general")) > posted)
    demo.show()

    demo.step("Tara (TA) writes '@tabot globex' in #general")
    general = sandbox.workspace.channel_id("general")
    _card_after(
        demo,
        TA,
        lambda: slack.event(
            {
                "type": "app_mention",
                "user": TA,
                "text": "<@U0TABOT> globex",
                "channel": general,
                "ts": "1700000000.000900",
            }
        ),
    )
    demo.show()
