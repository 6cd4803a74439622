"""The HTTP edge, attacked as an outsider would: raw requests to the real server, signed or not."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import resource
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from wsgiref.simple_server import make_server

import pytest
import requests
from sqlalchemy import func, select

from bot.edge import MAX_BODY_BYTES
from bot.web import build_wsgi_app
from storage.goals import Goal
from tests.support.harness import (
    SIGNING_SECRET,
    Harness,
    ListenerWork,
    QuietHandler,
    ThreadingWSGIServer,
    seed_team,
)
from tests.support.slack import goal_values, open_goal_modal

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def post(
    h: Harness, body: bytes, content_type: str, *, signed: bool, url: str | None = None, ts: int | None = None
) -> requests.Response:
    ts = int(time.time()) if ts is None else ts
    headers = {"Content-Type": content_type}
    if signed:
        headers["X-Slack-Request-Timestamp"] = str(ts)
        # Slack's v0 signature over the exact bytes sent, even bytes that are not UTF-8.
        digest = hmac.new(SIGNING_SECRET.encode(), b"v0:%d:%s" % (ts, body), hashlib.sha256).hexdigest()
        headers["X-Slack-Signature"] = f"v0={digest}"
    return requests.post(url or f"{h.url}/slack/events", data=body, headers=headers, timeout=10)


def no_tracebacks(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    err = capfd.readouterr().err
    assert "Traceback" not in err, err
    for record in caplog.records:
        assert record.exc_info is None and "Traceback" not in record.getMessage(), record.getMessage()


def interaction(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def user() -> dict[str, Any]:
    return {"id": "UPM1", "username": "li", "team_id": "T0001"}


TEAM = {"id": "T0001", "domain": "acme"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{", JSON),
        (b"[1,2]", JSON),
        (b"payload=%7Bnot", FORM),
        (b"\xff\xfe\x00garbage", FORM),
        (b"", FORM),
    ],
    ids=["open-brace", "json-list", "broken-payload", "invalid-utf8", "empty"],
)
def test_unsigned_malformed_bodies_are_refused_before_parsing(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    body: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.DEBUG)

    reply = post(harness, body, content_type, signed=False)

    assert reply.status_code == 401
    no_tracebacks(caplog, capfd)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=\u00e9\u00e9"},
    ],
    ids=["word-timestamp", "stale-timestamp", "empty", "non-ascii-signature"],
)
def test_bad_signature_headers_get_401(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    headers: dict[str, str],
) -> None:
    sent = {k: v.replace("{now}", str(int(time.time()))) for k, v in headers.items()}
    body = urlencode({"command": "/pm", "text": "help", "team_id": "T0001", "user_id": "UADMIN"})

    reply = requests.post(
        f"{harness.url}/slack/events",
        data=body.encode(),
        headers={"Content-Type": FORM, **{k: v.encode("latin-1") for k, v in sent.items()}},  # type: ignore[dict-item]
        timeout=10,
    )

    assert reply.status_code == 401
    no_tracebacks(caplog, capfd)


SIGNED_MALFORMED = {
    "open-brace": (b"{", JSON),
    "json-list": (b"[1,2]", JSON),
    "payload-list": (interaction([1, 2]), FORM),
    "payload-not-json": (b"payload=%7Bnot", FORM),
    "invalid-utf8": (b"payload=\xff\xfe", FORM),
    "empty-actions": (
        interaction({"type": "block_actions", "team": TEAM, "user": user(), "actions": []}),
        FORM,
    ),
    "action-not-an-object": (
        interaction({"type": "block_actions", "team": TEAM, "user": user(), "actions": ["x"]}),
        FORM,
    ),
    "view-null": (
        interaction({"type": "view_submission", "team": TEAM, "user": user(), "view": None}),
        FORM,
    ),
    "user-null": (
        interaction(
            {
                "type": "block_actions",
                "team": TEAM,
                "user": None,
                "actions": [{"action_id": "home_help", "block_id": "b", "value": "x"}],
            }
        ),
        FORM,
    ),
    "team-a-number": (
        interaction(
            {
                "type": "view_submission",
                "team": 7,
                "user": user(),
                "view": {"type": "modal", "callback_id": "goal_add"},
            }
        ),
        FORM,
    ),
    "event-null": (
        json.dumps({"type": "event_callback", "team_id": "T0001", "event_id": "Ev1", "event": None}).encode(),
        JSON,
    ),
    "authorizations-a-number": (
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev2",
                "event": {"type": "app_home_opened", "user": "UPM1"},
                "authorizations": 5,
            }
        ).encode(),
        JSON,
    ),
    "command-without-user": (
        urlencode({"command": "/pm", "text": "team", "team_id": "T0001"}).encode(),
        FORM,
    ),
}


@pytest.mark.parametrize("name", list(SIGNED_MALFORMED))
def test_signed_malformed_payloads_get_400_at_once(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    name: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    seed_team(harness)
    body, content_type = SIGNED_MALFORMED[name]

    started = time.monotonic()
    reply = post(harness, body, content_type, signed=True)

    assert reply.status_code == 400
    assert time.monotonic() - started < 1.5  # not Bolt waiting 3 s for an ack that never comes
    harness.settle()  # anything dispatched by mistake has called Slack by now
    assert [c.method for c in harness.fake.calls] == []
    no_tracebacks(caplog, capfd)


def raw_request(url: str, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send a request over a plain socket and read the answer; the body may be cut short."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1") + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer


def test_a_huge_declared_body_is_refused_without_being_read(harness: Harness) -> None:
    size = 300 * 1024 * 1024
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: pmpulse\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )

    # Only 10 bytes of the 300 MiB are ever sent: an answer proves the body was not awaited.
    status, answer = raw_request(harness.url, head, b"payload=%7")

    assert status == 413, answer


def test_a_large_body_actually_sent_is_refused_and_not_held(harness: Harness) -> None:
    size = 64 * 1024 * 1024
    parts = urlsplit(harness.url)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: pmpulse\r\n"
        f"Content-Type: {FORM}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    chunk = b"text=" + b"a" * (1024 * 1024 - 5)
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest: what is wanted
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass

    assert answer.startswith(b"HTTP/1.0 413") or answer.startswith(b"HTTP/1.1 413"), answer[:200]
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 16, grown_mib


def test_the_largest_status_update_slack_could_send_fits_under_the_limit() -> None:
    """The limit is not a guess: Slack's own caps on a modal give pmpulse's largest body."""
    text_max = 3000  # Slack's cap on a plain_text_input
    chinese = "周" * text_max
    blocks = [
        {
            "type": "input",
            "block_id": f"b{i}",
            "label": {"type": "plain_text", "text": "标签" * 1000},
            "element": {"type": "plain_text_input", "action_id": "value", "initial_value": chinese},
        }
        for i in range(100)  # Slack's cap on blocks in a modal
    ]
    values = {f"b{i}": {"value": {"type": "plain_text_input", "value": chinese}} for i in range(20)}
    view = {"id": "V1", "callback_id": "status_update", "blocks": blocks[:20], "state": {"values": values}}
    body = interaction({"type": "view_submission", "team": TEAM, "user": user(), "view": view})
    # pmpulse's status modal has far fewer than 20 inputs; even 20 at every maximum fit.
    assert len(body) < MAX_BODY_BYTES, len(body)


def series(h: Harness) -> list[str]:
    """The label sets of pmpulse_requests_total."""
    metrics = requests.get(f"{h.url}/metrics", timeout=5).text
    return re.findall(r"^pmpulse_requests_total\{(.*)\}", metrics, flags=re.M)


def test_metrics_labels_come_from_a_closed_set(harness: Harness) -> None:
    seed_team(harness)
    before = set(series(harness))  # the registry is the process's: other tests' series are there too
    for i in range(60):
        body = urlencode({"command": "/pm", "text": f"probe{i} x", "team_id": "T0001", "user_id": "UPM1"})
        post(harness, body.encode(), FORM, signed=False)
        post(harness, f'{{"type": "probe{i}"}}'.encode(), JSON, signed=False)
    for i in range(20):
        harness.sender.slash_command(user_id="UPM1", text=f"nonsense{i}")
        harness.sender.block_action("UPM1", action_id=f"forged_action_{i}", value="x")
        harness.sender.event({"type": f"made_up_{i}", "user": "UPM1"})

    labels = set(series(harness))

    assert labels - before <= {
        'kind="command",name="/pm other"',
        'kind="action",name="other"',
        'kind="event",name="other"',
        'kind="rejected",name="signature"',
    }, labels - before
    assert 'kind="rejected",name="signature"' in labels and 'kind="command",name="/pm other"' in labels
    assert not any("probe" in label or "nonsense" in label or "made_up" in label for label in labels)


def counted(h: Harness, labels: str) -> float:
    metrics = requests.get(f"{h.url}/metrics", timeout=5).text
    found = re.search(rf"^pmpulse_requests_total\{{{re.escape(labels)}\}} (\S+)$", metrics, flags=re.M)
    return float(found.group(1)) if found else 0.0


def test_refused_requests_are_not_counted_as_a_listener(harness: Harness) -> None:
    help_label, rejected_label = 'kind="command",name="/pm help"', 'kind="rejected",name="signature"'
    helps, rejections = counted(harness, help_label), counted(harness, rejected_label)

    harness.command("UADMIN", "help")
    harness.sender.slash_command(user_id="UADMIN", text="help", signature="v0=" + "0" * 64)

    assert counted(harness, help_label) == helps + 1
    assert counted(harness, rejected_label) == rejections + 1


def count_goals(h: Harness) -> int:
    with h.session_factory() as session:
        return int(session.scalar(select(func.count(Goal.id))) or 0)


def test_a_replayed_view_submission_is_processed_once_across_processes(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")
    harness.fake.clear_calls()
    payload = {
        "type": "view_submission",
        "team": TEAM,
        "user": {"id": "UPM2", "username": "sam", "team_id": "T0001"},
        "api_app_id": harness.sender.api_app_id,
        "trigger_id": harness.fake.issue_trigger_id(),
        "view": {**view, "state": {"values": goal_values()}},
        "response_urls": [],
    }
    body, ts = interaction(payload), int(time.time())
    # A second server process on the same database: a replay sent to it is refused too.
    other_app, other_listeners = build_wsgi_app_for(harness)
    other = make_server(
        "127.0.0.1",
        0,
        other_app,
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    threading.Thread(target=other.serve_forever, daemon=True).start()
    other_url = f"http://127.0.0.1:{other.server_port}/slack/events"
    try:
        first = post(harness, body, FORM, signed=True, ts=ts)
        replays = [
            post(harness, body, FORM, signed=True, ts=ts),
            post(harness, body, FORM, signed=True, ts=ts, url=other_url),
            post(harness, body, FORM, signed=True, ts=ts),
        ]
    finally:
        other.shutdown()
        other.server_close()

    assert first.status_code == 200
    assert [(r.status_code, r.text) for r in replays] == [(200, ""), (200, ""), (200, "")]
    harness.fake.wait_for("chat.postMessage")
    harness.settle()
    other_listeners.settle()
    assert count_goals(harness) == 1
    assert len(harness.fake.calls_to("chat.postMessage")) == 1


def build_wsgi_app_for(h: Harness) -> tuple[Any, ListenerWork]:
    """A second app on the harness's database, as another server process would run, and its listeners."""
    from bot.app import create_app
    from bot.slack_client import build_web_client

    app, _ = create_app(
        h.deps.settings,
        session_factory=h.session_factory,
        client=build_web_client(h.deps.settings),
        clock=h.clock,
    )
    listeners = ListenerWork.track(app)
    return build_wsgi_app(app, h.session_factory, signing_secret=SIGNING_SECRET, clock=h.clock), listeners


def test_slacks_own_event_retries_still_run_once(harness: Harness) -> None:
    seed_team(harness)
    event = {"type": "app_home_opened", "user": "UPM2", "tab": "home"}

    first = harness.sender.event(event, event_id="EvRetry1")
    harness.fake.wait_for("views.publish")
    retry = harness.sender.event(event, event_id="EvRetry1", retry_num=1)

    assert (first.status_code, retry.status_code) == (200, 200)
    harness.settle()
    assert len(harness.fake.calls_to("views.publish")) == 1


def descendants_rss_mib() -> float:
    """Resident memory of every process started under this one (the gunicorn master and worker)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - tree
        tree |= frontier
    total_kib = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
        total_kib += int(match.group(1)) if match else 0
    return total_kib / 1024


def settled_rss_mib(timeout: float = 20.0) -> float:
    """`descendants_rss_mib` once it stops growing: the server answers as soon as its first worker
    is up, while the others may still be importing pmpulse (on a busy machine, for seconds)."""
    deadline = time.monotonic() + timeout
    last = descendants_rss_mib()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = descendants_rss_mib()
        if abs(now - last) < 1:
            return now
        last = now
    return last


def test_a_chunked_body_without_length_is_cut_off_at_the_limit_under_gunicorn(
    request: pytest.FixtureRequest,
) -> None:
    parts = urlsplit(request.getfixturevalue("http_server"))  # `pmpulse run --http`: real gunicorn
    before = settled_rss_mib()
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: pmpulse\r\n"
        f"Content-Type: {FORM}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    piece = b"a" * (1024 * 1024)
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode())
        try:
            for _ in range(64):
                sock.sendall(chunk)
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed part way: the rest was never read
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert descendants_rss_mib() - before < 32


KINDS = ("block_actions", "view_submission", "message_action", "event_callback")


def base_payload(h: Harness, kind: str) -> dict[str, Any]:
    """A well-formed request of a kind pmpulse listens for, as Slack shapes it."""
    trigger_id, response_url = h.fake.issue_trigger_id(), h.fake.response_url()
    common = {"team": TEAM, "user": user(), "api_app_id": "A0001", "enterprise": None}
    return {
        "block_actions": {
            **common,
            "type": "block_actions",
            "trigger_id": trigger_id,
            "actions": [{"action_id": "home_help", "block_id": "b", "value": "x", "type": "button"}],
            "container": {"type": "view", "view_id": "V1"},
        },
        "view_submission": {
            **common,
            "type": "view_submission",
            "trigger_id": trigger_id,
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "goal_add",
                "private_metadata": "",
                "state": {"values": {}},
            },
            "response_urls": [],
        },
        "message_action": {
            **common,
            "type": "message_action",
            "callback_id": "log_customer_feedback",
            "trigger_id": trigger_id,
            "channel": {"id": "C0001", "name": "general"},
            "message": {"type": "message", "ts": "1.2", "text": "hi", "user": "UPM2"},
            "response_url": response_url,
        },
        "event_callback": {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event_id": "EvFuzz",
            "event": {"type": "app_home_opened", "user": "UPM1", "tab": "home"},
            "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
        },
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_any_field_of_the_wrong_type_gets_a_clear_answer(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    """Each field Slack sends, replaced by a value of each other JSON type: 200 or 400, never a 500."""
    seed_team(harness)
    answers: dict[str, int] = {}
    for key in base_payload(harness, kind):
        # Each JSON type other than the one Slack sends there (Slack's values are kept, so a
        # failure is the shape's doing, not a forged trigger or response URL).
        base = base_payload(harness, kind)
        others = [v for v in (None, "x", 7, [], {}, [None]) if type(v) is not type(base[key])]
        for n, wrong in enumerate(others):
            mutated = {**base_payload(harness, kind), key: wrong}
            if kind == "event_callback":
                mutated["event_id"] = f"EvFuzz{key}{n}" if key != "event_id" else wrong
                body, content_type = json.dumps(mutated).encode(), JSON
            else:
                body, content_type = interaction(mutated), FORM
            started = time.monotonic()
            reply = post(harness, body, content_type, signed=True)
            assert time.monotonic() - started < 2.5, (key, wrong)
            answers[f"{key}={wrong!r}"] = reply.status_code
    harness.settle()  # listeners acknowledged early finish their work

    assert set(answers.values()) <= {200, 400, 404}, answers
    no_tracebacks(caplog, capfd)


def test_a_global_shortcut_named_like_the_message_shortcut_is_not_matched(
    harness: Harness, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """The feedback shortcut is a message shortcut: a global one has no response_url to answer on."""
    seed_team(harness)
    payload = {
        "type": "shortcut",
        "team": TEAM,
        "user": user(),
        "callback_id": "log_customer_feedback",
        "trigger_id": harness.fake.issue_trigger_id(),
    }

    reply = post(harness, interaction(payload), FORM, signed=True)

    assert reply.status_code == 404
    harness.settle()
    no_tracebacks(caplog, capfd)
