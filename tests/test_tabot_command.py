"""`/tabot`: the bot's one command for its own settings and links, through signed HTTP."""

from __future__ import annotations

from support import wait_for


def test_help_and_an_unknown_subcommand_list_what_tabot_can_do(bot) -> None:
    bot.slack.command("U0TA001", "/tabot", "")
    answer = wait_for(lambda: bot.sandbox.responses, what="the help")[-1]
    assert answer["response_type"] == "ephemeral"
    assert "What `/tabot` can do" in answer["text"] and "`/tabot help`" in answer["text"]
    bot.slack.command("U0TA001", "/tabot", "frobnicate <!channel> now")
    answer = wait_for(lambda: bot.sandbox.responses[1:], what="the unknown answer")[-1]
    assert "I don't know `/tabot frobnicate`" in answer["text"]
    assert "<!channel>" not in answer["text"]
