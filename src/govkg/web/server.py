"""Serving the web app with granian (a Rust HTTP/1.1 server, hyper on tokio), started
programmatically (never Flask's development server). See ADR 0014 for the choice.

The app is created once in the main process (the store is loaded and the caches are warmed),
then granian forks its workers, which share it copy-on-write. In each worker, granian's
event loop owns every connection: it reads request headers under a deadline
(``header_timeout``, also the keep-alive idle limit), so a client that dribbles or idles costs
a socket, never a thread, and hands complete requests to a bounded pool of request threads
that run the WSGI app. Before its first request, while still single-threaded, each worker
forks its query evaluators' spawner (:mod:`govkg.web.evaluator`), and sets the kernel's
send deadline on the listening socket granian opens (:mod:`govkg.web.connections`). On
SIGTERM granian stops accepting, lets requests in flight finish for up to
``shutdown_timeout`` seconds, then stops. A worker that dies is replaced. On SIGHUP the main
process loads the build folder (and the ``--data`` files) again, or over a store
(``--store``) opens it again and reads which build it holds now (after ``govkg publish``),
and granian replaces the workers one by one, so a new build is served without dropping a
request. Over a store there are no evaluator processes: queries are sent from the request
threads (:class:`govkg.web.evaluation.RemoteQueries`).
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import math
import multiprocessing
import os
import resource
import threading
from dataclasses import dataclass, fields
from typing import Any

from govkg.errors import GovkgError, InputError
from govkg.progress import Progress
from govkg.web import EXTENSION, Site, create_app
from govkg.web.config import WebConfig
from govkg.web.connections import watch_listener
from govkg.web.serving import Serving

log = logging.getLogger("govkg.web")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds to receive a request's headers (and the longest keep-alive idle time).
HEADER_TIMEOUT = 10.0
#: Seconds beyond the query time limit that in-flight requests get on SIGTERM.
SHUTDOWN_GRACE = 10.0
#: Connections the kernel queues before granian accepts them.
BACKLOG = 1024
#: Open connections per worker (granian's ``backpressure``: a worker accepts no more until
#: one closes; measured: with 74, 220 dribbling connections kept a new client waiting 3 s,
#: until the header timeout cut them).
MAX_CONNECTIONS = 4096
#: File descriptors a worker needs beyond its connections (store, logs, evaluator sockets).
_SPARE_FDS = 256
#: Request threads a worker keeps beyond its evaluators, queued queries and large bodies
#: (pages, downloads' small files, the service description).
SPARE_THREADS = 16
#: Seconds between the death of a worker and its replacement.
RESPAWN_INTERVAL = 1.0
#: granian refuses a header timeout outside 1 ms .. 60 s.
_HEADER_TIMEOUT_RANGE = (0.001, 60.0)


def default_workers() -> int:
    """One worker per core, at most 8 (each runs many request threads).

    >>> 1 <= default_workers() <= 8
    True
    """
    return max(1, min(os.cpu_count() or 1, 8))


@dataclass(frozen=True)
class ServerOptions:
    """How the HTTP server runs.

    Attributes:
        host: Address to listen on.
        port: TCP port.
        workers: Worker processes (0: :func:`default_workers`).
        threads: Request threads per worker (0: enough for the evaluators, the queue, the
            large bodies and :data:`SPARE_THREADS`).
        header_timeout: Seconds to receive a request's headers; also the keep-alive idle limit.
        shutdown_timeout: Seconds requests in flight get on SIGTERM (None: the query time
            limit plus :data:`SHUTDOWN_GRACE`).
        backlog: Connections the kernel queues before they are accepted.
        max_connections: Open connections per worker; more wait in the kernel's backlog.
        access_log: Where access lines go (``-`` for stderr, a file) or None for none.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 0
    threads: int = 0
    header_timeout: float = HEADER_TIMEOUT
    shutdown_timeout: float | None = None
    backlog: int = BACKLOG
    max_connections: int = MAX_CONNECTIONS
    access_log: str | None = "-"

    def __post_init__(self) -> None:
        if self.workers < 0 or self.threads < 0:
            raise InputError("--workers and --threads must be at least 1")
        low, high = _HEADER_TIMEOUT_RANGE
        if not low <= self.header_timeout <= high:
            raise InputError(f"--header-timeout must be between {low:g} and {high:g} seconds")
        if self.shutdown_timeout is not None and self.shutdown_timeout <= 0:
            raise InputError("--shutdown-timeout must be a positive number of seconds")
        if self.backlog < 1 or self.max_connections < 1:
            raise InputError("--backlog and --max-connections must be at least 1")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> ServerOptions:
        """Read ``GOVKG_HOST``, ``GOVKG_PORT``, ``GOVKG_WORKERS``, ``GOVKG_THREADS``,
        ``GOVKG_HEADER_TIMEOUT``, ``GOVKG_SHUTDOWN_TIMEOUT``, ``GOVKG_BACKLOG``,
        ``GOVKG_MAX_CONNECTIONS`` and ``GOVKG_ACCESS_LOG``, then apply the ``overrides`` that
        are not None.

        >>> ServerOptions.from_env({"GOVKG_HEADER_TIMEOUT": "2.5"}, port=9000).header_timeout
        2.5
        """
        env = os.environ if environ is None else environ
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        if env.get("GOVKG_HOST"):
            values["host"] = env["GOVKG_HOST"]
        for name in (
            "port",
            "workers",
            "threads",
            "header_timeout",
            "shutdown_timeout",
            "backlog",
            "max_connections",
        ):
            key = "GOVKG_" + name.upper()
            if env.get(key):
                kind = int if kinds[name] == "int" else float
                try:
                    values[name] = kind(env[key])
                except ValueError:
                    raise InputError(f"{key} must be a number, not {env[key]!r}") from None
        if "GOVKG_ACCESS_LOG" in env:
            log = env["GOVKG_ACCESS_LOG"]
            values["access_log"] = None if log.lower() in ("", "off", "none") else log
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def threads_for(self, config: WebConfig) -> int:
        """Request threads per worker: those asked for, or enough that evaluations, queued
        queries, large bodies and uploads in flight never starve small requests."""
        if self.threads:
            return self.threads
        busy = config.evaluators + config.max_queued + config.max_streams + config.max_uploads
        return busy + SPARE_THREADS

    def grace_for(self, config: WebConfig) -> float:
        """Seconds requests in flight get on SIGTERM."""
        if self.shutdown_timeout is not None:
            return self.shutdown_timeout
        return config.query_timeout + SHUTDOWN_GRACE


def _configure_logging(access_log: str | None) -> dict[str, Any]:
    """Send govkg's log lines (timeouts, crashes, internal errors, access lines) and
    granian's own to stderr (the access log to its file when one is named); returns the
    logging configuration granian applies in its workers too."""
    stream = "ext://sys.stderr"
    handlers: dict[str, Any] = {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": stream},
    }
    access: dict[str, Any] = {"formatter": "access"}
    if access_log in ("-", None):
        access.update({"class": "logging.StreamHandler", "stream": stream})
    else:
        access.update({"class": "logging.FileHandler", "filename": access_log})
    handlers["access"] = access
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "generic": {
                "format": "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s",
                "datefmt": "%Y-%m-%d %H:%M:%S %z",
            },
            "access": {"format": "%(message)s"},
        },
        "handlers": handlers,
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "govkg.web": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "govkg.access": {
                "handlers": ["access"],
                "level": "INFO" if access_log is not None else "CRITICAL",
                "propagate": False,
            },
        },
    }
    logging.config.dictConfig(config)
    return config


def _raise_file_limit(wanted: int) -> None:
    """Raise this process's soft limit on open files towards ``wanted`` (at most the hard
    limit; workers inherit it), so that ``max_connections`` can be reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class _Live:
    """The app the workers serve, and its replacement on SIGHUP.

    granian calls :meth:`reload` in the main process when it gets SIGHUP, then replaces the
    workers one by one (a new one forked from the main process, then the old one stopped
    gracefully): requests in flight finish on the old build, new workers serve the new one.
    A build that cannot be loaded (or fails verification) is not switched to: the new
    workers serve the build that was being served.
    """

    def __init__(self, config: WebConfig, options: ServerOptions):
        self.config = config
        self.options = options
        self._site: Site | None = None
        self._application: Serving | None = None

    def load(self, progress: Progress | None = None) -> None:
        """Load the dataset into a new app (building it first when needed) and make it live."""
        app = create_app(self.config, progress=progress)
        site: Site = app.extensions[EXTENSION]
        site.warm()
        application = Serving(
            app,
            access_log=self.options.access_log is not None,
            max_uploads=self.config.max_uploads,
            max_body_bytes=self.config.max_body_bytes,
            # over a remote store a publish changes the answers: cached ones are the build's
            generation=None if site.store.capabilities.in_process else site.store.held_build,
        )
        old, self._site, self._application = self._site, site, application
        if old is not None:
            old.close()
        log.info(
            "serving build %s from the %s store %s: %d quads in %d graphs",
            site.build_id or "(none)",
            site.store.kind,
            site.store.location,
            site.stats.quads,
            len(site.stats.graphs),
        )

    def reload(self) -> None:
        """SIGHUP: load the build folder again; keep the current app if that fails."""
        try:
            self.load()
        except GovkgError as exc:
            log.error("SIGHUP: the build was not switched to (%s); serving the previous one", exc)
        except Exception:  # noqa: BLE001 - the server must survive a failed reload
            log.exception("SIGHUP: loading the build failed; serving the previous one")

    def current(self) -> tuple[Site, Serving]:
        assert self._site is not None and self._application is not None
        return self._site, self._application


def serve(config: WebConfig, options: ServerOptions, progress: Progress | None = None) -> int:
    """Build if needed, load the dataset, and serve it until the server is stopped.

    Returns:
        The server's exit status (0 after a clean stop).

    Raises:
        GovkgError: the build or an extra data file failed (before anything listens).
    """
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    class SafeSignals(Server):  # type: ignore[misc, valid-type]
        """granian's server with signal handlers that cannot deadlock it.

        granian (2.8.9) sets a ``threading.Event`` in its SIGTERM/SIGINT/SIGHUP handlers; a
        handler runs in the main thread, which may hold that event's lock at that moment
        (its main loop waits on the event): seen once here, a SIGTERM left the main process
        blocked forever on the lock, further signals stacking up behind it. The event is
        set from a new thread instead, which waits for the lock like any other thread.
        """

        def signal_handler_interrupt(self, *args: object, **kwargs: object) -> None:
            self.interrupt_signal = True
            threading.Thread(target=self.main_loop_interrupt.set, daemon=True).start()

        def signal_handler_reload(self, *args: object, **kwargs: object) -> None:
            self.reload_signal = True
            threading.Thread(target=self.main_loop_interrupt.set, daemon=True).start()

    log_config = _configure_logging(options.access_log)
    live = _Live(config, options)
    live.load(progress)
    threads = options.threads_for(config)
    workers = options.workers or default_workers()
    server = SafeSignals(
        "govkg",
        address=options.host,
        port=options.port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backpressure=options.max_connections,
        backlog=max(options.backlog, 128),
        # HTTP/1.1 only: in granian's "auto" mode a new connection that sends nothing escapes
        # the header timeout (measured: open after 6 s with 2 s); in "http1" mode it is closed
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(options.header_timeout * 1000)), keep_alive=True
        ),
        log_enabled=True,
        log_level=LogLevels.info,
        log_dictconfig=log_config,
        log_access=False,
        respawn_failed_workers=True,
        respawn_interval=RESPAWN_INTERVAL,
        workers_kill_timeout=max(1, math.ceil(options.grace_for(config))),
    )

    def load_in_worker(_target: str) -> Serving:
        # granian forks the worker and calls this before its threads start: the one moment
        # the worker may fork the evaluators' spawner safely.
        site, application = live.current()
        if site.pool is not None:
            site.pool.start()
        watch_listener(options.port, config.send_timeout)
        return application

    server.on_reload(live.reload)
    _raise_file_limit(workers * (options.max_connections + _SPARE_FDS))
    multiprocessing.set_start_method("fork", force=True)  # workers share the loaded store
    try:
        server.serve(target_loader=load_in_worker)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0


__all__ = ["ServerOptions", "default_workers", "serve"]
