"""A send deadline the kernel enforces: ``TCP_USER_TIMEOUT`` on the worker's listening socket.

A request thread that streams a large body blocks inside granian while the client does not
read, so the send deadline that :class:`govkg.web.serving.GatedStream` checks between pieces
cannot fire for a client that stops reading altogether. The kernel can: with
``TCP_USER_TIMEOUT`` (RFC 5482; ``tcp(7)``), a connection whose sent data stays unacknowledged,
or whose peer keeps a zero window, for that long is aborted, the blocked write fails, and the
thread and stream slot are free again. Linux copies the option from a listening socket to the
connections it accepts, so it is set once, on the listener granian opens in each worker (found
through ``/proc/self/fd``, since granian does not expose it). Measured: a client that stopped
reading was cut 2.3 s into a 2 s timeout; idle keep-alive connections, which have nothing
unacknowledged, are not affected.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time

log = logging.getLogger("govkg.web")

#: How long to look for granian's listener after the worker starts, and how often.
_FIND_FOR, _FIND_EVERY = 30.0, 0.02
_LISTEN = 10  # TCP_LISTEN in the kernel's TCP states (tcpi_state)


def listeners(port: int) -> list[int]:
    """File descriptors of this process's listening TCP sockets on ``port``."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError, ValueError):
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            with socket.socket(fileno=os.dup(int(name))) as sock:
                if sock.family not in (socket.AF_INET, socket.AF_INET6):
                    continue
                if sock.type != socket.SOCK_STREAM or sock.getsockname()[1] != port:
                    continue
                info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
                if info[0] == _LISTEN:
                    found.append(int(name))
    return found


def set_user_timeout(fd: int, seconds: float) -> None:
    """Set ``TCP_USER_TIMEOUT`` on the socket ``fd`` (connections accepted later inherit it)."""
    with socket.socket(fileno=os.dup(fd)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, max(1, round(seconds * 1000)))


def watch_listener(port: int, seconds: float) -> threading.Thread:
    """In a thread: wait for the worker's listener on ``port``, then set its user timeout."""

    def run() -> None:
        deadline = time.monotonic() + _FIND_FOR
        while time.monotonic() < deadline:
            fds = listeners(port)
            if fds:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        set_user_timeout(fd, seconds)
                return
            time.sleep(_FIND_EVERY)
        log.warning("no listening socket on port %d found: no kernel send deadline", port)

    thread = threading.Thread(target=run, name="govkg-listener-options", daemon=True)
    thread.start()
    return thread
