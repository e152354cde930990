"""The Slack sandbox answers like Slack: tested with the real slack_sdk WebClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import Sandbox


@pytest.fixture
def client(sandbox: Sandbox) -> WebClient:
    return WebClient(base_url=sandbox.api_url, token="xoxb-sandbox")


def test_post_thread_and_ts_order(client: WebClient, sandbox: Sandbox) -> None:
    parent = client.chat_postMessage(channel="#red-accounts", text="parent")
    reply = client.chat_postMessage(channel=parent["channel"], text="reply", thread_ts=parent["ts"])
    # a reply's ts as thread_ts still threads under the parent, as in Slack
    again = client.chat_postMessage(channel=parent["channel"], text="again", thread_ts=reply["ts"])
    assert parent["ts"] < reply["ts"] < again["ts"]
    thread = client.conversations_replies(channel=parent["channel"], ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["parent", "reply", "again"]
    assert {m["thread_ts"] for m in thread} == {parent["ts"]}
    history = client.conversations_history(channel="C0RED0001")["messages"]
    assert [m["text"] for m in history] == ["parent"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_slack_errors(client: WebClient, sandbox: Sandbox) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="#no-such-channel", text="x")
    assert error.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError, match="no_text"):
        client.chat_postMessage(channel="general")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(base_url=sandbox.api_url, token="xoxb-wrong").auth_test()
    with pytest.raises(SlackApiError, match="users_not_found"):
        client.users_lookupByEmail(email="nobody@example.com")
    assert client.users_lookupByEmail(email="tara@example.com")["user"]["id"] == "U0TA001"


def test_form_and_json_bodies_are_recorded(client: WebClient, sandbox: Sandbox) -> None:
    client.chat_postMessage(channel="general", text="json")
    client.api_call("chat.postMessage", data={"channel": "general", "text": "form"})
    assert [c.body_kind for c in sandbox.calls_to("chat.postMessage")] == ["json", "form"]
    assert [m["text"] for m in sandbox.messages("general")] == ["json", "form"]


def test_conversations_list_paginates(client: WebClient, sandbox: Sandbox) -> None:
    names, cursor = [], None
    while True:
        page = client.conversations_list(limit=2, cursor=cursor)
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert sorted(names) == sorted(["general", "red-accounts", "lighthouse", "gtm-operations-review", "yellow-red-renewals"])


def test_views_need_a_fresh_trigger_and_at_most_100_blocks(client: WebClient, sandbox: Sandbox) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]}
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id="", view=view)
    trigger = sandbox.new_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=view)["view"]
    with pytest.raises(SlackApiError, match="trigger"):
        client.views_open(trigger_id=trigger, view=view)  # a trigger works once
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.views_open(trigger_id=sandbox.new_trigger_id(), view={**view, "blocks": view["blocks"] * 101})
    assert client.views_update(view_id=opened["id"], view=view)["view"]["id"] == opened["id"]


def test_files_upload_v2_makes_three_calls(client: WebClient, sandbox: Sandbox) -> None:
    response = client.files_upload_v2(channel="C0GTMOPS1", content=b"%PDF-1.7 retro", filename="retro.pdf",
                                      title="Churn retro", initial_comment="Retro for Acme")
    assert [c.method for c in sandbox.calls] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert sandbox.files[0]["bytes"].startswith(b"%PDF")
    assert response["file"]["name"] == "retro.pdf"
    [message] = sandbox.messages("gtm-operations-review")
    assert message["text"] == "Retro for Acme" and message["files"][0]["id"] == response["file"]["id"]


def test_rate_limit_answers_429_and_sdk_retries_in_order() -> None:
    sb = Sandbox(rate_per_second=20, burst=2).start()
    try:
        client = WebClient(base_url=sb.api_url, token="xoxb-sandbox",
                           retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=10)])
        for i in range(6):
            client.chat_postMessage(channel="general", text=f"m{i}")
        statuses = [c.status for c in sb.calls_to("chat.postMessage")]
        assert 429 in statuses
        assert [m["text"] for m in sb.messages("general")] == [f"m{i}" for i in range(6)]
        raw = WebClient(base_url=sb.api_url, token="xoxb-sandbox")
        with pytest.raises(SlackApiError) as error:
            for _ in range(5):
                raw.chat_postMessage(channel="lighthouse", text="burst")
        assert error.value.response.status_code == 429
        assert int(error.value.response.headers["Retry-After"]) >= 1
    finally:
        sb.stop()


def test_dm_by_user_id(client: WebClient, sandbox: Sandbox) -> None:
    posted = client.chat_postMessage(channel="U0TA001", text="hello")
    assert posted["channel"].startswith("D")
    assert client.conversations_open(users="U0TA001")["channel"]["id"] == posted["channel"]
    assert [m["text"] for m in sandbox.messages("U0TA001")] == ["hello"]
