"""`pmpulse run`: Socket Mode or HTTP mode, with the outbox drain and the scheduler, after migrations."""

from __future__ import annotations

import logging
import os
from typing import Any

from bot.coalescer import Coalescer
from bot.config import Settings, secret_value
from bot.deps import HomeKey
from bot.runtime import open_runtime
from bot.scheduler import BackgroundWork

log = logging.getLogger(__name__)


def cpu_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the whole machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(settings: Settings, *, http: bool, workers: int | None = None, threads: int = 16) -> int:
    """`workers`: HTTP worker processes, by default one per core, so a burst of requests (a Friday
    afternoon's status updates) uses the whole machine; each is one Python process, one core."""
    http = http or not settings.socket_mode
    settings.require_slack(http=http)
    runtime = open_runtime(settings)  # migrations are applied at start
    from bot.app import create_app

    if not http:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app, deps = create_app(settings, session_factory=runtime.session_factory)
        # Holds the lease while this frame runs.
        work = BackgroundWork(deps, runtime.engine, tick_seconds=settings.PMPULSE_TICK_SECONDS)
        work.start()
        log.info("pmpulse running in Socket Mode")
        try:
            SocketModeHandler(app, secret_value(settings.SLACK_APP_TOKEN)).start()  # type: ignore[no-untyped-call]
        finally:
            deps.home_refresh.stop()
        return 0

    from bot.server import serve
    from bot.web import WsgiApp, build_wsgi_app

    # Fail fast in the parent: a bad token or an unreachable Slack is reported once, before forking.
    create_app(settings, session_factory=runtime.session_factory)

    background: list[BackgroundWork] = []  # this worker's, once it is booted
    refreshes: list[Coalescer[HomeKey]] = []  # this worker's App Home refreshes, likewise

    def post_fork(_server: Any, _worker: Any) -> None:
        runtime.engine.dispose(close=False)  # never share the parent's connections

    def worker_exit(_server: Any, _worker: Any) -> None:
        # A graceful stop lets go of the lease at once, so a standby takes over within seconds.
        while background:
            background.pop().stop()
        # Edits' App Home refreshes still waiting for their window are dropped (bot/coalescer.py).
        while refreshes:
            refreshes.pop().stop()

    def app_factory() -> WsgiApp:
        # Runs in each worker after the fork. The scheduler starts here, never in the parent:
        # a parent with threads could fork a worker while one of them holds a lock (logging,
        # the database driver) and the worker would hang. The lease elects one worker; the
        # others, here and in other processes, stand by for it and drain the outbox too.
        worker = open_runtime(settings, migrate=False)
        app, deps = create_app(settings, session_factory=worker.session_factory)
        work = BackgroundWork(deps, worker.engine, tick_seconds=settings.PMPULSE_TICK_SECONDS)
        work.start()
        background.append(work)
        refreshes.append(deps.home_refresh)
        return build_wsgi_app(
            app,
            worker.session_factory,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET) or "",
            clock=deps.clock,
        )

    workers = workers or cpu_cores()
    log.info(
        "pmpulse serving HTTP on port %s, %s of %d threads (POST /slack/events, GET /healthz, GET /metrics)",
        settings.PORT,
        f"{workers} worker" if workers == 1 else f"{workers} workers",
        threads,
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
