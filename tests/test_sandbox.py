"""The Slack sandbox answers like Slack: tested with the real slack_sdk WebClient."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox import BOT_USER_ID, CHANNELS, GTM_OPERATIONS_REVIEW, RED_ACCOUNTS, TA, USERS, Sandbox

TOKEN = "xoxb-sandbox"
MODAL = {"type": "modal", "callback_id": "rate_health", "title": {"type": "plain_text", "text": "Rate health"},
         "submit": {"type": "plain_text", "text": "Save"}, "private_metadata": "42",
         "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "How is *Acme*?"}}]}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(bot_token=TOKEN).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def client(sb: Sandbox) -> WebClient:
    return WebClient(base_url=sb.api_url, token=TOKEN)


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(*args, **kwargs)
    return raised.value.response["error"]


def test_defaults_and_auth(client: WebClient, sb: Sandbox) -> None:
    assert sb.api_url.startswith("http://127.0.0.1:") and sb.api_url.endswith("/api/")
    me = client.auth_test()
    assert (me["team_id"], me["team"], me["user_id"], me["bot_id"]) == ("T0SANDBOX", "Sandbox", "U0TABOT", "B0TABOT")
    assert error_of(WebClient(base_url=sb.api_url, token="xoxb-wrong").auth_test) == "invalid_auth"
    assert error_of(WebClient(base_url=sb.api_url).auth_test) == "not_authed"
    assert error_of(client.api_call, "chat.noSuchMethod") == "unknown_method"
    assert [c.status for c in sb.calls] == [200] * 4  # Slack's errors come with HTTP 200


def test_post_thread_and_ts_order(client: WebClient, sb: Sandbox) -> None:
    parent = client.chat_postMessage(channel="#red-accounts", text="parent")
    reply = client.chat_postMessage(channel=parent["channel"], text="reply", thread_ts=parent["ts"])
    # a reply's ts as thread_ts threads under the parent, as in Slack
    again = client.chat_postMessage(channel="red-accounts", text="again", thread_ts=reply["ts"])
    assert parent["channel"] == RED_ACCOUNTS == "C0RED0001"
    assert parent["ts"] < reply["ts"] < again["ts"] and float(parent["ts"]) < float(again["ts"])
    assert reply["message"]["thread_ts"] == again["message"]["thread_ts"] == parent["ts"]
    thread = client.conversations_replies(channel=RED_ACCOUNTS, ts=parent["ts"])["messages"]
    assert [m["text"] for m in thread] == ["parent", "reply", "again"]
    assert thread[0]["reply_count"] == 2
    assert [m["text"] for m in client.conversations_history(channel=RED_ACCOUNTS)["messages"]] == ["parent"]
    assert [m["text"] for m in sb.messages("red-accounts")] == ["parent", "reply", "again"]
    assert sb.messages(RED_ACCOUNTS)[0]["user"] == BOT_USER_ID
    assert [m["text"] for m in sb.thread("red-accounts", reply["ts"])] == ["parent", "reply", "again"]
    assert error_of(client.chat_postMessage, channel="general", text="x", thread_ts=parent["ts"]) == "thread_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_channels_resolve_by_id_name_and_user(client: WebClient, sb: Sandbox) -> None:
    assert client.chat_postMessage(channel="C0LIGHT01", text="by id")["channel"] == "C0LIGHT01"
    assert client.chat_postMessage(channel="lighthouse", text="by name")["channel"] == "C0LIGHT01"
    assert client.chat_postMessage(channel="#lighthouse", text="by #name")["channel"] == "C0LIGHT01"
    dm = client.chat_postMessage(channel=TA, text="hello Tara")
    assert dm["channel"].startswith("D")
    assert client.conversations_open(users=TA)["channel"]["id"] == dm["channel"]
    assert [m["text"] for m in sb.messages(TA)] == ["hello Tara"] and sb.messages("U0AE001") == []
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="#no-such-channel", text="x")
    assert raised.value.response["error"] == "channel_not_found"
    assert error_of(client.chat_postMessage, channel="general") == "no_text"
    private = sb.add_channel("ta-private", is_private=True)
    assert client.conversations_info(channel=private)["channel"]["is_private"] is True


def test_update_ephemeral_and_permalink(client: WebClient, sb: Sandbox) -> None:
    posted = client.chat_postMessage(channel="general", text="old")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="new",
                       blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "new"}}])
    [message] = sb.messages("general")
    assert message["text"] == "new" and message["blocks"][0]["text"]["text"] == "new" and message["edited"]
    assert error_of(client.chat_update, channel=posted["channel"], ts="1.2", text="x") == "message_not_found"
    theirs = sb.workspace.add_message(sb.workspace.channel("general"), {"user": TA, "text": "mine"}, None)
    assert error_of(client.chat_update, channel="C0GENERAL", ts=theirs["ts"], text="x") == "cant_update_message"
    assert client.chat_postEphemeral(channel="general", user=TA, text="just you")["message_ts"]
    assert sb.ephemerals[0]["user"] == TA and sb.ephemerals[0]["channel"] == "C0GENERAL"
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=posted["ts"])["permalink"]
    assert link.endswith("/archives/C0GENERAL/p" + posted["ts"].replace(".", ""))


def test_form_json_and_query_bodies_are_recorded(client: WebClient, sb: Sandbox) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "form blocks"}}]
    client.chat_postMessage(channel="general", text="json")
    client.api_call("chat.postMessage", data={"channel": "general", "text": "form", "blocks": json.dumps(blocks)})
    with urllib.request.urlopen(f"{sb.api_url}users.info?user={TA}&token={TOKEN}") as answer:  # GET
        assert json.load(answer)["user"]["real_name"] == "Tara Advisor"
    assert [(c.method, c.body_kind) for c in sb.calls] == [
        ("chat.postMessage", "json"), ("chat.postMessage", "form"), ("users.info", "query")]
    assert sb.calls[1].params["blocks"] == blocks  # JSON strings in form bodies are decoded
    assert "token" not in sb.calls[2].params
    assert [m["text"] for m in sb.messages("general")] == ["json", "form"]


def test_conversations_list_paginates(client: WebClient) -> None:
    names, cursors = [], []
    cursor = None
    while True:
        page = client.conversations_list(limit=2, cursor=cursor)
        assert len(page["channels"]) <= 2
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        cursors.append(cursor)
        if not cursor:
            break
    assert sorted(names) == sorted(CHANNELS.values()) and len(cursors) == 3
    assert error_of(client.conversations_list, cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"


def test_users(client: WebClient, sb: Sandbox) -> None:
    assert client.users_lookupByEmail(email="tara@example.com")["user"]["id"] == TA
    assert error_of(client.users_lookupByEmail, email="nobody@example.com") == "users_not_found"
    assert error_of(client.users_info, user="U0NOBODY") == "user_not_found"
    sb.add_user("U0NEW001", "nina", "nina@example.com", "Nina New", is_admin=True)
    nina = client.users_info(user="U0NEW001")["user"]
    assert nina["real_name"] == "Nina New" and nina["is_admin"] and nina["profile"]["email"] == "nina@example.com"
    members = {u["id"] for u in client.users_list()["members"]}
    assert set(USERS) | {BOT_USER_ID, "U0NEW001"} == members


def test_views_open_checks_trigger_and_view(client: WebClient, sb: Sandbox) -> None:
    assert error_of(client.views_open, trigger_id="", view=MODAL) == "invalid_arguments"
    many = {**MODAL, "blocks": MODAL["blocks"] * 101}
    assert error_of(client.views_open, trigger_id=sb.new_trigger_id(), view=many) == "invalid_arguments"
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "A title over twenty-four chars"}}
    assert error_of(client.views_open, trigger_id=sb.new_trigger_id(), view=long_title) == "invalid_arguments"
    assert error_of(client.views_open, trigger_id=sb.new_trigger_id(), view={**MODAL, "type": "home"}) == "invalid_arguments"
    trigger = sb.new_trigger_id(user=TA)
    opened = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "rate_health" and opened["state"] == {"values": {}}
    assert opened["root_view_id"] == opened["id"] and opened["previous_view_id"] is None
    assert sb.views[opened["id"]]["private_metadata"] == "42"
    assert error_of(client.views_open, trigger_id=trigger, view=MODAL) == "exchanged_trigger_id"  # once only


def test_views_update_push_and_publish(client: WebClient, sb: Sandbox) -> None:
    opened = client.views_open(trigger_id=sb.new_trigger_id(user=TA), view=MODAL)["view"]
    updated = client.views_update(view_id=opened["id"], view={**MODAL, "private_metadata": "43"})["view"]
    assert updated["id"] == opened["id"] and sb.views[opened["id"]]["private_metadata"] == "43"
    assert error_of(client.views_update, view_id="V0NOPE", view=MODAL) == "not_found"
    pushed = client.views_push(trigger_id=sb.new_trigger_id(TA, view_id=opened["id"]), view=MODAL)["view"]
    assert (pushed["root_view_id"], pushed["previous_view_id"]) == (opened["id"], opened["id"])
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your accounts"}}]}
    published = client.views_publish(user_id=TA, view=home)["view"]
    assert sb.home_views[TA] == sb.views[published["id"]] and published["type"] == "home"


def test_files_upload_v2_makes_three_calls(client: WebClient, sb: Sandbox) -> None:
    alert = client.chat_postMessage(channel="gtm-operations-review", text="Churn retro for Acme")
    del sb.calls[:]
    response = client.files_upload_v2(channel=GTM_OPERATIONS_REVIEW, content=b"%PDF-1.7 retro", filename="retro.pdf",
                                      title="Churn retro", initial_comment="Retro for Acme", thread_ts=alert["ts"])
    assert [c.method for c in sb.calls] == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert sb.calls[1].raw == b"%PDF-1.7 retro" and sb.calls[1].body_kind == "raw"
    [file] = sb.files
    assert file["bytes"] == b"%PDF-1.7 retro" and file["name"] == "retro.pdf" and file["title"] == "Churn retro"
    assert (file["channels"], file["initial_comment"], file["thread_ts"]) == ([GTM_OPERATIONS_REVIEW], "Retro for Acme", alert["ts"])
    assert response["file"]["id"] == file["id"] and response["file"]["name"] == "retro.pdf"
    [_, message] = sb.messages("gtm-operations-review")
    assert message["text"] == "Retro for Acme" and message["files"][0]["id"] == file["id"]
    assert message["thread_ts"] == alert["ts"]


def test_files_upload_v2_from_a_path_and_unknown_files(client: WebClient, sb: Sandbox, tmp_path) -> None:
    path = tmp_path / "agenda.md"
    path.write_bytes(b"# Lighthouse agenda\n")
    client.files_upload_v2(channel="C0LIGHT01", file=str(path), filename="agenda.md", title="Agenda")
    assert sb.files[0]["bytes"] == b"# Lighthouse agenda\n"
    assert [m["files"][0]["name"] for m in sb.messages("lighthouse")] == ["agenda.md"]
    never_uploaded = client.files_getUploadURLExternal(filename="x.txt", length=3)["file_id"]
    assert error_of(client.files_completeUploadExternal, files=[{"id": never_uploaded}], channel_id="C0LIGHT01") == "file_not_found"
    assert error_of(client.files_completeUploadExternal, files=[{"id": "F0NEVER"}]) == "file_not_found"


def test_rate_limit_answers_429_with_retry_after(sb: Sandbox, client: WebClient) -> None:
    for i in range(3):  # the default burst
        client.chat_postMessage(channel="lighthouse", text=f"burst {i}")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="#lighthouse", text="one too many")  # same channel, by another name
    assert raised.value.response.status_code == 429 and raised.value.response["error"] == "ratelimited"
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    assert client.chat_postMessage(channel="general", text="other channels are not held up")["ok"]
    assert client.users_info(user=TA)["ok"]  # nor other methods
    assert len(sb.messages("lighthouse")) == 3


def test_sdk_retry_handler_delivers_a_burst_once_each_in_order() -> None:
    with Sandbox(rate_per_second=20, burst=3) as sb:  # one 429 (Retry-After: 1) in six posts
        client = WebClient(base_url=sb.api_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
        for i in range(6):
            client.chat_postMessage(channel="general", text=f"m{i}")
        assert 429 in [c.status for c in sb.calls_to("chat.postMessage")]
        assert [m["text"] for m in sb.messages("general")] == [f"m{i}" for i in range(6)]


def test_fail_next_fails_once(client: WebClient, sb: Sandbox) -> None:
    sb.fail_next("chat.postMessage", "channel_not_found")
    assert error_of(client.chat_postMessage, channel="general", text="x") == "channel_not_found"
    sb.fail_next("chat.postMessage", http_status=500)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="x")
    assert raised.value.response.status_code == 500
    assert client.chat_postMessage(channel="general", text="back up")["ok"]
    assert [c.status for c in sb.calls] == [200, 500, 200]


def test_transcript_reads_like_slack(client: WebClient, sb: Sandbox) -> None:
    alert = client.chat_postMessage(channel="red-accounts", text="fallback", blocks=[
        {"type": "header", "text": {"type": "plain_text", "text": ":red_circle: Acme Corp turned red"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "TA <@U0TA001> in <#C0RED0001>"}]}])
    client.chat_postMessage(channel="red-accounts", thread_ts=alert["ts"], text="<!here> what do you need &amp; when?")
    client.chat_postMessage(channel=TA, text="Rate <https://example.com/acme|Acme>")
    client.chat_postEphemeral(channel="red-accounts", user="U0OTHER", text="Only the account team can rate Acme")
    client.views_open(trigger_id=sb.new_trigger_id(user=TA), view=MODAL)
    client.files_upload_v2(channel="gtm-operations-review", content=b"x" * 12 * 1024, filename="retro.pdf")
    assert sb.transcript().splitlines() == [
        "#red-accounts  tabot:",
        "    :red_circle: Acme Corp turned red",
        "    TA @Tara Advisor in #red-accounts",
        "#red-accounts  └ tabot (in thread):",
        "      @here what do you need & when?",
        "DM @Tara Advisor  tabot:",
        "    Rate Acme (https://example.com/acme)",
        "#red-accounts  (only visible to @Otto Outsider) Only the account team can rate Acme",
        '  (modal opened for @Tara Advisor: "Rate health")',
        "    How is *Acme*?",
        "#gtm-operations-review  tabot uploaded retro.pdf (12 KB)",
    ]
    mark = len(sb.calls)
    sb.reset_records()
    assert sb.calls == [] and sb.messages("red-accounts") == [] and sb.files == [] and sb.views == {}
    assert sb.transcript(mark) == "" and sb.workspace.channel_id("red-accounts") == "C0RED0001"


def test_upload_url_is_this_server(client: WebClient, sb: Sandbox) -> None:
    url = client.files_getUploadURLExternal(filename="a.txt", length=2)["upload_url"]
    assert url.startswith(sb.base_url + "/upload/v1/")
    with urllib.request.urlopen(urllib.request.Request(url, data=b"hi", method="POST")) as answer:
        assert answer.read() == b"OK - 2"
