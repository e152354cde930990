"""The server knows when its listeners have finished the work they do after ack(): the demo
prints what Slack shows then, instead of sleeping a fixed while after each step."""

from __future__ import annotations

from support import add_account


def test_wait_idle_returns_once_the_work_after_ack_is_done(bot) -> None:
    add_account(bot.ctx.sessions)
    bot.sandbox.latency = 0.3  # a slow Slack: the modal opens well after the command was acknowledged
    reply = bot.slack.command("U0TA001", "/health", "acme")
    assert reply.status == 200  # acknowledged; views.open is on its way for 0.3 s more
    assert bot.server.wait_idle(timeout=10)
    assert len(bot.sandbox.views) == 1  # no polling: the listener had finished


def test_wait_idle_gives_up_after_its_timeout(bot) -> None:
    add_account(bot.ctx.sessions)
    bot.sandbox.latency = 1.0
    bot.slack.command("U0TA001", "/health", "acme")
    assert not bot.server.wait_idle(timeout=0.05)
    assert bot.server.wait_idle(timeout=10)
