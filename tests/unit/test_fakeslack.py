"""Tests for the fake Slack server, Block Kit validation and the signed-request sender.

They drive the fake with the real slack_sdk WebClient, so they also prove the fake
understands exactly what slack_sdk sends.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from bot.fakeslack import FakeSlack, RecordedCall, SlackRequestSender
from bot.fakeslack.blockkit import validate_message_blocks, validate_view

TINY = FixedValueRetryIntervalCalculator(0.01)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.add_user("U1", name="alice", real_name="Alice A", tz="Europe/Berlin", locale="de-DE")
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5)


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(title: str = "Weekly check-in", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "checkin",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section()],
        **extra,
    }


# -- Web API basics --------------------------------------------------------------------------


def test_auth_test_returns_identity_and_scopes_header(fake: FakeSlack, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["team_id"] == "T0001" and resp["user_id"] == "UBOT" and resp["bot_id"] == "B0001"
    scopes = {k.lower(): v for k, v in resp.headers.items()}["x-oauth-scopes"]
    assert scopes == (
        "chat:write,commands,users:read,im:write,im:history,channels:history,groups:history,"
        "channels:read,groups:read,channels:join"
    )
    call = fake.calls[-1]
    assert isinstance(call, RecordedCall)
    assert (call.method, call.status, call.token) == ("auth.test", 200, "xoxb-test")


def test_users_info_locale_only_when_asked(client: WebClient) -> None:
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert user["locale"] == "de-DE" and user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in (3600, 7200) and user["profile"]["display_name"] == "alice"
    assert "locale" not in client.users_info(user="U1")["user"]
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="UNOPE")
    assert exc.value.response["error"] == "user_not_found"


def test_users_list_paginates(fake: FakeSlack, client: WebClient) -> None:
    for i in range(3):
        fake.add_user(f"UX{i}", name=f"x{i}")
    seen: list[str] = []
    cursor = None
    for page in range(10):  # noqa: B007 - asserted after the loop
        resp = client.users_list(limit=2, cursor=cursor)
        seen += [m["id"] for m in resp["members"]]
        cursor = resp["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert page == 2 and seen == ["UBOT", "U1", "UX0", "UX1", "UX2"]


def test_conversations_open_is_stable_per_user(client: WebClient) -> None:
    first = client.conversations_open(users="U1")["channel"]["id"]
    assert first.startswith("D")
    assert client.conversations_open(users=["U1"])["channel"]["id"] == first
    assert client.conversations_open(users="U2")["channel"]["id"] != first
    assert client.conversations_info(channel=first)["channel"]["user"] == "U1"


def test_post_message_records_parsed_blocks(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section("*Weekly pulse*", block_id="title")]
    first = client.chat_postMessage(channel="C0001", text="Weekly pulse", blocks=blocks)
    second = client.chat_postMessage(channel="C0001", text="again", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "Weekly pulse"
    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks and call.response["ts"] == first["ts"]
    # Form-encoded bodies carry blocks as a JSON string; the fake parses them back.
    client.api_call(
        "chat.postMessage", params={"channel": "C0002", "text": "x", "blocks": json.dumps(blocks)}
    )
    assert fake.calls_to("chat.postMessage")[-1].params["blocks"] == blocks
    assert [m["thread_ts"] for m in fake.messages("C0001")] == [None, first["ts"]]


def test_post_message_errors(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert exc.value.response["error"] == "no_text"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"channel": "#general", "text": "x"}, "channel_not_found"),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(**kwargs)
        assert exc.value.response["error"] == error


def test_update_delete_and_user_channel(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="v1")
    channel = posted["channel"]
    assert channel == client.conversations_open(users="U1")["channel"]["id"]
    client.chat_update(channel=channel, ts=posted["ts"], text="v2", blocks=[section("v2")])
    assert [m["text"] for m in fake.messages("U1")] == ["v2"]
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=channel, ts="1.000001", text="x")
    assert exc.value.response["error"] == "message_not_found"
    client.chat_delete(channel=channel, ts=posted["ts"])
    assert fake.messages(channel) == []
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")


def test_invalid_token_and_unknown_method(client: WebClient, fake: FakeSlack) -> None:
    bad = WebClient(token="xoxb-wrong", base_url=fake.api_url)
    with pytest.raises(SlackApiError) as exc:
        bad.auth_test()
    assert exc.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as exc:
        client.api_call("nope.nothing")
    assert exc.value.response["error"] == "unknown_method"


# -- Block Kit --------------------------------------------------------------------------------


def test_block_validation_errors_come_back_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[{"type": "divider"}] * 51)
    assert exc.value.response["error"] == "invalid_blocks"
    assert exc.value.response["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    input_block = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Goal"},
        "element": {"type": "plain_text_input", "action_id": "goal"},
    }
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x", blocks=[section(), input_block])
    assert "unsupported type: input [json-pointer:/blocks/1]" in exc.value.response["errors"]


def test_blockkit_limits() -> None:
    assert validate_message_blocks([section("x" * 3000)]) == []
    assert validate_message_blocks([section("x" * 3001)]) == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "x"}}
    assert validate_message_blocks([header]) == [
        "must be a valid enum value [json-pointer:/blocks/0/text/type]"
    ]
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}}
    dup = validate_message_blocks(
        [
            {"type": "actions", "elements": [button, button]},
            {"type": "divider", "block_id": "d"},
            {"type": "divider", "block_id": "d"},
        ]
    )
    assert dup == [
        "duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]",
        "duplicate block_id [json-pointer:/blocks/2/block_id]",
    ]
    select = {
        "type": "static_select",
        "action_id": "s",
        "options": [{"text": {"type": "plain_text", "text": "o"}, "value": "v" * 151}],
    }
    assert validate_message_blocks([section(accessory=select)]) == [
        "must be less than 151 characters [json-pointer:/blocks/0/accessory/options/0/value]"
    ]
    assert validate_message_blocks([{"type": "carousel"}, section("")]) == [
        "failed to match all allowed schemas [json-pointer:/blocks/0]",
        "must be more than 0 characters [json-pointer:/blocks/1/text/text]",
    ]
    with_input = modal(
        blocks=[
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "L"},
                "element": {"type": "plain_text_input", "action_id": "a", "max_length": 3001},
            }
        ]
    )
    assert validate_view(with_input) == [
        "must provide submit when the view contains input blocks [json-pointer:/view/submit]",
        "must be an integer between 0 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
    ]
    assert validate_view({"type": "home", "blocks": [section()] * 100}) == []


# -- views and triggers -------------------------------------------------------------------------


def test_views_open_rejects_long_title(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=fake.issue_trigger_id(), view=modal("x" * 25))
    assert exc.value.response["error"] == "invalid_arguments"
    assert exc.value.response["errors"] == ["must be less than 25 characters [json-pointer:/view/title/text]"]


def test_trigger_ids_expire_and_are_single_use(fake: FakeSlack, client: WebClient) -> None:
    clock = FakeClock()
    fake.set_time_source(clock)
    trigger = fake.issue_trigger_id()
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "checkin"
    assert view["state"] == {"values": {}} and view["hash"]
    assert fake.views[view["id"]]["title"]["text"] == "Weekly check-in"
    errors = []
    for trigger_id in (trigger, "123.456.unknown"):
        with pytest.raises(SlackApiError) as exc:
            client.views_push(trigger_id=trigger_id, view=modal())
        errors.append(exc.value.response["error"])
    stale = fake.issue_trigger_id()
    clock.now += 3.01
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=stale, view=modal())
    assert [*errors, exc.value.response["error"]] == [
        "expired_trigger_id",
        "invalid_trigger_id",
        "expired_trigger_id",
    ]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Done"))
    assert updated["view"]["id"] == view["id"] and updated["view"]["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal())
    assert exc.value.response["error"] == "hash_conflict"


def test_views_publish_stores_home(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Your pulse")]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == again["id"]
    stored = fake.home_view("U1")
    assert stored is not None and stored["blocks"] == home["blocks"]
    assert fake.home_view("U2") is None


# -- files and response_url ---------------------------------------------------------------------


def test_file_upload_round_trip(fake: FakeSlack, client: WebClient) -> None:
    resp = client.files_upload_v2(
        channel="C0001",
        content=b"a,b\n1,2\n",
        filename="pulse.csv",
        title="Pulse",
        initial_comment="Export",
    )
    file_id = resp["files"][0]["id"]
    stored = fake.uploaded_files[file_id]
    assert stored["content"] == b"a,b\n1,2\n" and stored["title"] == "Pulse"
    assert stored["channel_id"] == "C0001" and stored["filename"] == "pulse.csv"
    assert fake.messages("C0001")[-1]["text"] == "Export"
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": "FNOPE"}], channel_id="C0001")
    assert exc.value.response["error"] == "file_not_found"


def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    import requests

    url = fake.response_url()
    assert url.startswith(fake.base_url + "/response/")
    resp = requests.post(url, json={"text": "done", "replace_original": True}, timeout=5)
    assert resp.json() == {"ok": True}
    assert fake.wait_for("response_url").params["text"] == "done"


# -- faults, retries and rate limits --------------------------------------------------------------


def test_429_retry_after_is_honoured(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    class _Time:
        @staticmethod
        def sleep(seconds: float) -> None:
            slept.append(seconds)

    monkeypatch.setattr(builtin_handlers, "time", _Time)  # no real 2-second wait in unit tests
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    client = WebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200] and calls[0].response["error"] == "ratelimited"
    assert len(slept) == 1 and 2 <= slept[0] < 3


def test_server_error_and_connection_faults_are_retried(fake: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=1, interval_calculator=TINY),
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=TINY),
        ],
    )
    fake.fail_next("auth.test", status=500)
    assert client.auth_test()["ok"]
    fake.fail_next("users.info", kind="connection")
    assert client.users_info(user="U1")["ok"]
    assert [c.status for c in fake.calls] == [500, 200, 0, 200]
    fake.fail_next("auth.test", kind="slack_error", error="fatal_error")
    with pytest.raises(SlackApiError) as exc:
        client.auth_test()
    assert exc.value.response["error"] == "fatal_error"


def test_rate_limit_buckets(fake: FakeSlack, client: WebClient) -> None:
    clock = FakeClock()
    fake.set_time_source(clock)
    fake.set_rate_limit("chat.postMessage", per_second=1, burst=2, per_channel=True)
    for _ in range(2):
        client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel="C2", text="other channel has its own bucket")
    clock.now += 1.0
    client.chat_postMessage(channel="C1", text="refilled")
    fake.set_rate_limit("views.*", per_minute=6, burst=1)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert exc.value.response.headers["Retry-After"] == "10"


def test_fault_rate_is_seeded(fake: FakeSlack, client: WebClient) -> None:
    fake.fault_rate(None, rate=0.5, statuses=(500,), seed=7)
    statuses = []
    for _ in range(20):
        try:
            client.auth_test()
            statuses.append(200)
        except SlackApiError as exc:
            statuses.append(exc.response.status_code)
    assert 0 < statuses.count(500) < 20


def test_wait_for_blocks_then_times_out(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C9", text="late"))
    timer.start()
    call = fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C9", timeout=2)
    assert call.params["text"] == "late"
    timer.join()
    with pytest.raises(AssertionError, match=r"chat\.postMessage\(200\)"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.05)
    fake.clear_calls()
    assert fake.calls == []


# -- signed requests ------------------------------------------------------------------------------


@pytest.fixture
def app_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in app that checks signatures exactly as Bolt does and records requests."""
    verifier = SignatureVerifier("secret")
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            ok = verifier.is_valid_request(body, dict(self.headers.items()))
            received.append({"body": body, "headers": dict(self.headers.items()), "ok": ok})
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", received
    server.shutdown()
    server.server_close()


def test_signed_requests_verify_and_forgeries_fail(
    fake: FakeSlack, app_server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = app_server
    sender = SlackRequestSender(app_url=url, signing_secret="secret", team_id="T0001", fake=fake)
    assert sender.slash_command("U1", "checkin").status_code == 200
    form = {k: v[0] for k, v in parse_qs(received[-1]["body"]).items()}
    assert form["command"] == "/pm" and form["text"] == "checkin" and form["user_id"] == "U1"
    assert form["response_url"].startswith(fake.base_url) and form["trigger_id"]
    assert sender.slash_command("U1", "x", signature="v0=" + "0" * 64).status_code == 401
    stale = int(time.time()) - 600
    assert sender.slash_command("U1", "x", timestamp=stale).status_code == 401
    forged = SlackRequestSender(app_url=url, signing_secret="wrong", team_id="T0001")
    assert forged.url_verification("c").status_code == 401


def test_interaction_payload_shapes(
    fake: FakeSlack, client: WebClient, app_server: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = app_server
    sender = SlackRequestSender(app_url=url, signing_secret="secret", fake=fake)

    def last_payload() -> dict[str, Any]:
        body = parse_qs(received[-1]["body"])["payload"][0]
        return dict(json.loads(body))

    view = client.views_open(trigger_id=fake.issue_trigger_id(), view=modal())["view"]
    values = {
        "goal": {"goal": sender.plain("Ship")},
        "when": {"d": sender.datepicker("2025-01-02")},
        "pri": {"p": sender.select("high")},
        "n": {"n": sender.number(3)},
    }
    assert sender.view_submission("U1", view=view, values=values).status_code == 200
    payload = last_payload()
    assert payload["type"] == "view_submission" and payload["view"]["id"] == view["id"]
    assert payload["view"]["state"]["values"]["pri"]["p"]["selected_option"]["value"] == "high"
    posted = client.chat_postMessage(channel="C1", text="card", blocks=[section()])
    sender.block_action("U1", action_id="ack", value="42", channel_id="C1", message_ts=posted["ts"])
    payload = last_payload()
    assert payload["actions"][0]["value"] == "42" and payload["message"]["text"] == "card"
    assert payload["container"]["message_ts"] == posted["ts"] and payload["response_url"]
    sender.global_shortcut("U1", callback_id="new_goal")
    assert last_payload()["type"] == "shortcut"
    resp = sender.event({"type": "app_home_opened", "user": "U1"}, retry_num=1)
    assert resp.status_code == 200 and received[-1]["headers"]["X-Slack-Retry-Num"] == "1"
    envelope = json.loads(received[-1]["body"])
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert all(r["ok"] for r in received)
