"""HTTP mode: one WSGI app serving Slack requests, health and metrics, run by gunicorn."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.metrics import outbox_metrics
from bot.edge import SlackEdge
from bot.metrics import render

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


WsgiApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def build_wsgi_app(
    app: App,
    session_factory: sessionmaker[Session],
    *,
    signing_secret: str,
    clock: Callable[[], dt.datetime],
) -> WsgiApp:
    slack = SlackEdge(app, path=EVENTS_PATH, signing_secret=signing_secret, session_factory=session_factory)
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
