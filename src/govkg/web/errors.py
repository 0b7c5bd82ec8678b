"""The one mapping of govkg errors to HTTP statuses, and the error responses.

Core modules raise :class:`govkg.errors.GovkgError` subclasses; the web layer adds the few that
only HTTP has (406, 415, 503). :data:`STATUS_TABLE` turns any of them into a status, the
handlers below into a one-line body (plain text, JSON or HTML by ``Accept``). No response ever
holds a traceback, a server path or a file's contents; unexpected exceptions become a plain
500 and their traceback goes to the server log only.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from govkg.backends import (
    NotAcceptableAnswerError,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
)
from govkg.errors import GovkgError, InputError, QueryError, UnknownQueryError
from govkg.formats import negotiate
from govkg.sparql_guard import GuardError

log = logging.getLogger("govkg.web")


class NotAcceptableError(InputError):
    """No representation the client accepts (RFC 9110 section 15.5.7)."""


class UnsupportedMediaTypeError(InputError):
    """A request body of a media type the operation does not take (RFC 9110, 15.5.16)."""


class NotFoundError(InputError):
    """No such resource, named query or download."""


class QueryTimeoutError(GovkgError):
    """The query ran past its hard time limit and its evaluation was stopped."""


class ServiceBusyError(GovkgError):
    """The server is saturated: too many queries wait for an evaluator already, or none
    became free in time, or too many large answers are being sent (503 + ``Retry-After``)."""


class AnswerTooLargeError(GovkgError):
    """The answer grew past the largest size an evaluator may send; it was stopped."""


class EvaluatorFailedError(GovkgError):
    """The evaluator process died while answering (a crash in the store, say)."""


#: (error class, guard kind or None, HTTP status); the first matching row wins.
STATUS_TABLE: tuple[tuple[type[GovkgError], str | None, int], ...] = (
    (GuardError, "too-large", 413),
    (GuardError, "too-deep", 400),
    (GuardError, "update", 403),
    (GuardError, "service", 403),
    (NotAcceptableError, None, 406),
    (NotAcceptableAnswerError, None, 406),
    (UnsupportedMediaTypeError, None, 415),
    (NotFoundError, None, 404),
    (UnknownQueryError, None, 404),
    (QueryError, None, 400),
    (InputError, None, 400),
    (QueryTimeoutError, None, 503),
    (ServiceBusyError, None, 503),
    (AnswerTooLargeError, None, 503),
    (EvaluatorFailedError, None, 500),
    # a remote store (``govkg serve --store``): over the time limit or down now → 503 (try
    # again), an engine that answered with an error of its own → 502 (Bad Gateway)
    (StoreTimeoutError, None, 503),
    (StoreUnavailableError, None, 503),
    (StoreError, None, 502),
    (GovkgError, None, 500),
)

_ERROR_TYPES = ["text/plain", "application/json", "text/html"]


def status_for(exc: GovkgError) -> int:
    """Return the HTTP status of a govkg error.

    >>> status_for(GuardError("no", kind="update"))
    403
    >>> status_for(QueryError("malformed query: ..."))
    400
    >>> status_for(StoreUnavailableError("store http://127.0.0.1:7878 is unreachable"))
    503
    """
    kind = getattr(exc, "kind", None)
    for cls, wanted_kind, status in STATUS_TABLE:
        if isinstance(exc, cls) and (wanted_kind is None or wanted_kind == kind):
            return status
    return 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Render a one-line error message in the format the client prefers."""
    line = " ".join(message.split()) or "error"
    chosen = negotiate(request.headers.get("Accept"), _ERROR_TYPES) or "text/plain"
    if chosen == "application/json":
        body = json.dumps({"status": status, "error": line}) + "\n"
        response = Response(body, status, mimetype="application/json")
    elif chosen == "text/html":
        response = Response(
            render_template("error.html", status=status, message=line), status, mimetype="text/html"
        )
    else:
        response = Response(line + "\n", status, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register(app: Flask) -> None:
    """Install the handlers that turn every exception into a one-line error response."""

    @app.errorhandler(GovkgError)
    def _govkg(exc: GovkgError) -> Response:
        status = status_for(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.path, exc.message)
        busy = isinstance(exc, ServiceBusyError | StoreUnavailableError)
        headers = {"Retry-After": "1"} if busy else None
        return error_response(status, exc.message, headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = _HTTP_MESSAGES.get(status) or exc.name
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return error_response(status, message, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(500, "internal server error (the server log has the details)")


_HTTP_MESSAGES = {
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
}
