"""HTTP mode: one WSGI app serving Slack requests, health and metrics, run by gunicorn."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.metrics import outbox_metrics
from bot.metrics import REQUEST_SECONDS, REQUESTS, render

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


def listener_label(body: dict[str, Any]) -> tuple[str, str]:
    """(kind, name) of the listener a Slack request is for, for metrics labels."""
    if "command" in body:
        words = str(body.get("text") or "").split()
        return "command", f"{body['command']} {words[0].lower() if words else 'help'}"[:40]
    kind = str(body.get("type") or "unknown")
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return "action", str(actions[0].get("action_id", ""))[:40]
    if kind in ("view_submission", "view_closed"):
        return "view", str((body.get("view") or {}).get("callback_id", ""))[:40]
    if kind in ("shortcut", "message_action"):
        return "shortcut", str(body.get("callback_id", ""))[:40]
    if kind == "event_callback":
        return "event", str((body.get("event") or {}).get("type", ""))[:40]
    return kind[:40], ""


class TimedSlackHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, timing each request up to its acknowledgement."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        started = time.perf_counter()
        bolt_request = BoltRequest(
            body=request.get_body(), query=request.query_string, headers=request.get_headers()
        )
        response = self.app.dispatch(bolt_request)
        kind, name = listener_label(bolt_request.body if isinstance(bolt_request.body, dict) else {})
        REQUESTS.labels(kind, name).inc()
        REQUEST_SECONDS.labels(kind, name).observe(time.perf_counter() - started)
        return response


WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def build_wsgi_app(
    app: App, session_factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime]
) -> WsgiApp:
    slack = TimedSlackHandler(app, path=EVENTS_PATH)
    render_outbox = outbox_metrics(session_factory, clock=clock)  # outbox depth, counted when scraped

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return _healthz(session_factory, start_response)
        if path == "/metrics" and environ.get("REQUEST_METHOD") == "GET":
            body = render() + render_outbox()
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        return slack(environ, start_response)

    return wsgi


def _healthz(session_factory: sessionmaker[Session], start_response: StartResponse) -> Iterable[bytes]:
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means unhealthy; say which
        log.warning("health check failed: %s", exc)
        body = b'{"status": "unhealthy", "database": "unreachable"}'
        start_response("503 Service Unavailable", [("Content-Type", "application/json")])
        return [body]
    body = b'{"status": "ok", "database": "ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
