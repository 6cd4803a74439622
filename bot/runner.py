"""`pmpulse run`: Socket Mode or HTTP mode, with the outbox drain and the scheduler, after migrations."""

from __future__ import annotations

import logging
from typing import Any

from bot.config import Settings, secret_value
from bot.runtime import open_runtime
from bot.scheduler import BackgroundWork

log = logging.getLogger(__name__)


def run(settings: Settings, *, http: bool, workers: int = 1, threads: int = 16) -> int:
    http = http or not settings.socket_mode
    settings.require_slack(http=http)
    runtime = open_runtime(settings)  # migrations are applied at start
    from bot.app import create_app

    if not http:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app, deps = create_app(settings, session_factory=runtime.session_factory)
        work = BackgroundWork(deps, runtime.engine)  # holds the lease while this frame runs
        work.start()
        log.info("pmpulse running in Socket Mode")
        SocketModeHandler(app, secret_value(settings.SLACK_APP_TOKEN)).start()  # type: ignore[no-untyped-call]
        return 0

    from bot.server import serve
    from bot.web import WsgiApp, build_wsgi_app

    # Fail fast in the parent: a bad token or an unreachable Slack is reported once, before forking.
    create_app(settings, session_factory=runtime.session_factory)

    background: list[BackgroundWork] = []  # this worker's, once it is booted

    def post_fork(_server: Any, _worker: Any) -> None:
        runtime.engine.dispose(close=False)  # never share the parent's connections

    def worker_exit(_server: Any, _worker: Any) -> None:
        # A graceful stop lets go of the lease at once, so a standby takes over within seconds.
        while background:
            background.pop().stop()

    def app_factory() -> WsgiApp:
        # Runs in each worker after the fork. The scheduler starts here, never in the parent:
        # a parent with threads could fork a worker while one of them holds a lock (logging,
        # the database driver) and the worker would hang. The lease elects one worker; the
        # others, here and in other processes, stand by for it and drain the outbox too.
        worker = open_runtime(settings, migrate=False)
        app, deps = create_app(settings, session_factory=worker.session_factory)
        work = BackgroundWork(deps, worker.engine)
        work.start()
        background.append(work)
        return build_wsgi_app(
            app,
            worker.session_factory,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET) or "",
            clock=deps.clock,
        )

    log.info(
        "pmpulse serving HTTP on port %s (POST /slack/events, GET /healthz, GET /metrics)",
        settings.PORT,
    )
    serve(
        app_factory,
        port=settings.PORT,
        workers=workers,
        threads=threads,
        post_fork=post_fork,
        worker_exit=worker_exit,
    )
    return 0
