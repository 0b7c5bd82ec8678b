"""Serving the web app with gunicorn, started programmatically (never Flask's development
server).

The app is created once in gunicorn's master (``preload_app``: the store is loaded and the
caches are warmed before the workers fork, so they share them copy-on-write); each worker is a
``sync`` worker (one request at a time) owning one evaluator process for queries (see
``docs/decisions/endpoint-query-time-limit.md``). gunicorn's own worker timeout stays above
the query time limit, as a backstop for a worker that hangs outside query evaluation.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from govkg.progress import Progress
from govkg.web import EXTENSION, Site, create_app
from govkg.web.config import WebConfig

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds gunicorn allows a worker beyond the query time limit before replacing it (slow
#: clients of large answers, page rendering).
WORKER_GRACE = 30.0
#: Access log: client, request line, status, bytes, duration in ms (gunicorn's atoms).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


def default_workers() -> int:
    """Two workers per core plus one (gunicorn's advice), at most 8.

    >>> 3 <= default_workers() <= 8
    True
    """
    return min(2 * (os.cpu_count() or 1) + 1, 8)


@dataclass(frozen=True)
class ServerOptions:
    """How gunicorn runs.

    Attributes:
        host: Address to listen on.
        port: TCP port (0: any free port).
        workers: Worker processes.
        access_log: Where access lines go (``-`` for stderr) or None for none.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 0
    access_log: str | None = "-"

    @classmethod
    def from_env(cls, **overrides: Any) -> ServerOptions:
        """Read ``GOVKG_HOST``, ``GOVKG_PORT``, ``GOVKG_WORKERS`` and ``GOVKG_ACCESS_LOG``."""
        env = os.environ
        values: dict[str, Any] = {}
        if env.get("GOVKG_HOST"):
            values["host"] = env["GOVKG_HOST"]
        for name, key in (("port", "GOVKG_PORT"), ("workers", "GOVKG_WORKERS")):
            if env.get(key):
                try:
                    values[name] = int(env[key])
                except ValueError:
                    from govkg.errors import InputError

                    raise InputError(f"{key} must be a whole number, not {env[key]!r}") from None
        if "GOVKG_ACCESS_LOG" in env:
            log = env["GOVKG_ACCESS_LOG"]
            values["access_log"] = None if log.lower() in ("", "off", "none") else log
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class GovkgServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running one preloaded govkg app (gunicorn's "custom application" API)."""

    def __init__(self, app: Flask, options: ServerOptions, query_timeout: float):
        self.application = app
        self.options = options
        self.query_timeout = query_timeout
        super().__init__()

    def load_config(self) -> None:
        options = self.options
        settings: dict[str, Any] = {
            "bind": f"[{options.host}]:{options.port}"
            if ":" in options.host
            else f"{options.host}:{options.port}",
            "workers": options.workers or default_workers(),
            "worker_class": "sync",
            "timeout": int(self.query_timeout + WORKER_GRACE),
            "graceful_timeout": 10,
            "preload_app": True,
            "accesslog": options.access_log,
            "access_log_format": ACCESS_LOG_FORMAT,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "govkg",
            "post_fork": _post_fork,
            "worker_exit": _worker_exit,
            "limit_request_line": 8190,
        }
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24: no shared socket
            settings["control_socket_disable"] = True
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def _site(worker: Any) -> Site | None:
    app = getattr(worker, "app", None)
    wsgi = getattr(app, "application", None) if app is not None else None
    extensions = getattr(wsgi, "extensions", {})
    site = extensions.get(EXTENSION)
    return site if isinstance(site, Site) else None


def _post_fork(server: Any, worker: Any) -> None:
    """Start the worker's evaluator before its first request."""
    site = _site(worker)
    if site is not None:
        site.pool.start()


def _worker_exit(server: Any, worker: Any) -> None:
    """Stop the worker's evaluator with it."""
    site = _site(worker)
    if site is not None:
        site.pool.close()


def _log_like_gunicorn() -> None:
    """Send the app's own log lines (timeouts, crashes, internal errors) to gunicorn's error
    log stream, in its format."""
    logger = logging.getLogger("govkg.web")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter(
                "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S %z"
            )
        )
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve(config: WebConfig, options: ServerOptions, progress: Progress | None = None) -> int:
    """Build if needed, load the dataset, and serve it until gunicorn is stopped.

    Returns:
        gunicorn's exit status.

    Raises:
        GovkgError: the build or an extra data file failed (before anything listens).
    """
    _log_like_gunicorn()
    app = create_app(config, progress=progress)
    site: Site = app.extensions[EXTENSION]
    site.warm()
    server = GovkgServer(app, options, config.query_timeout)
    try:
        server.run()
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
