"""gunicorn, run in-process: the production server for HTTP mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.web import WsgiApp


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Serves a WSGI app built lazily in each worker (after fork: no shared sockets or connections)."""

    def __init__(self, app_factory: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._app_factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._app_factory()


def serve(
    app_factory: Callable[[], WsgiApp],
    *,
    port: int,
    host: str = "0.0.0.0",
    workers: int = 1,
    threads: int = 16,
    post_fork: Callable[[Any, Any], None] | None = None,
    worker_exit: Callable[[Any, Any], None] | None = None,
) -> None:
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "post_fork": post_fork,
        "worker_exit": worker_exit,
    }
    GunicornServer(app_factory, options).run()
