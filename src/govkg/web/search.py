"""Full-text search ``/search?q=...&framework=...&kind=...&page=...``: an HTML page that works
without JavaScript, or JSON by ``Accept`` (or ``?format=json``), over the build's FTS5 index
(:mod:`govkg.search_index`).

The index is the served build's ``search.sqlite``. When the server serves more than the build
(``--data``, ``--no-builtin``), has no build folder of the store's build (``--store``) or the
build has no index of this version, one is made from the served store once per process, in a
private temporary file (0.3 s on the shipped embedded graph).
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from govkg.errors import InputError
from govkg.formats import negotiate
from govkg.search_index import (
    MARK_END,
    MARK_START,
    MAX_OFFSET,
    SEARCH_INDEX,
    Results,
    SearchError,
    kinds,
    open_index,
    schemes,
    search,
    write_search_index,
)
from govkg.web import Site, base_url, current_site, frameworks
from govkg.web.errors import NotAcceptableError

bp = Blueprint("search", __name__)
#: Hits per page.
PAGE_SIZE = 20
_TYPES = ["text/html", "application/json"]
_lock = threading.Lock()
_made: dict[int, Path] = {}


@bp.route("/search")
@bp.route("/search/")
def search_page() -> Response:
    """Search labels, notations and texts of every framework, element and principle."""
    text = request.args.get("q", "")
    scheme = request.args.get("framework") or None
    kind = request.args.get("kind") or None
    page = _page(request.args.get("page"))
    wants_json = _wants_json()
    with _connect(current_site()) as connection:
        try:
            results = search(
                connection,
                text,
                scheme=scheme,
                kind=kind,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
        except SearchError as exc:
            raise InputError(str(exc)) from None
        if wants_json:
            body = _json_document(results, scheme, kind, page)
            response = Response(
                json.dumps(body, indent=1, ensure_ascii=False) + "\n",
                content_type="application/json",
            )
        else:
            listed = schemes(connection)
            kind_names = kinds(connection)
            response = Response(
                render_template(
                    "search.html",
                    results=results,
                    q=text,
                    framework=scheme,
                    kind=kind,
                    page=page,
                    pages=_pages(results),
                    page_size=PAGE_SIZE,
                    frameworks=listed,
                    kinds=kind_names,
                    scheme_labels={key: short for key, _, short in listed},
                    kind_labels=dict(kind_names),
                    segments=segments,
                    href=_href,
                    link=lambda **extra: _link(text, scheme, kind, **extra),
                ),
                content_type="text/html; charset=utf-8",
            )
    response.headers["Vary"] = "Accept"
    return response


def segments(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, matched) pieces, for a template to mark up safely.

    >>> segments("a \\ue000b\\ue001 c")
    [('a ', False), ('b', True), (' c', False)]
    """
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(snippet.split(MARK_START)):
        if i == 0:
            pieces.append((part, False))
            continue
        matched, _, rest = part.partition(MARK_END)
        pieces += [(matched, True), (rest, False)]
    return [(t, m) for t, m in pieces if t]


def _wants_json() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt in ("json", "application/json"):
            return True
        if fmt in ("html", "text/html"):
            return False
        raise InputError(f"unknown format {fmt!r} for /search (known: html, json)")
    chosen = negotiate(request.headers.get("Accept"), _TYPES)
    if chosen is None:
        raise NotAcceptableError("search results are HTML or JSON")
    return chosen == "application/json"


def _page(value: str | None) -> int:
    if value is None or value == "":
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_OFFSET // PAGE_SIZE + 1:
        raise InputError(f"page must be a number from 1 to {MAX_OFFSET // PAGE_SIZE + 1}")
    return int(value)


def _pages(results: Results) -> int:
    reachable = min(results.total, MAX_OFFSET + PAGE_SIZE)
    return max(1, -(-reachable // PAGE_SIZE))


def _link(text: str, scheme: str | None, kind: str | None, **extra: object) -> str:
    """The URL of this search with other ``page``/``format`` values."""
    params = {"q": text, "framework": scheme, "kind": kind, **extra}
    if params.get("page") == 1:
        del params["page"]
    return "/search?" + urlencode({k: v for k, v in params.items() if v})


def _href(iri: str) -> str | None:
    """Where a hit leads: its browsing page (an element's document), else its linked-data
    page; None for an IRI that is no http(s) IRI (never a ``javascript:`` link)."""
    return frameworks.href(current_site(), iri)


def _json_document(results: Results, scheme: str | None, kind: str | None, page: int) -> Any:
    root = base_url()
    return {
        "query": results.query,
        "framework": scheme,
        "kind": kind,
        "total": results.total,
        "page": page,
        "pageSize": PAGE_SIZE,
        "byFramework": results.by_scheme,
        "hits": [
            {
                "iri": hit.iri,
                "page": _absolute(root, _href(hit.iri)),
                "label": hit.label,
                "notation": hit.notation or None,
                "framework": hit.scheme or None,
                "kind": hit.kind or None,
                "snippet": hit.snippet.replace(MARK_START, "").replace(MARK_END, ""),
                "highlights": [t for t, matched in segments(hit.snippet) if matched],
                "score": round(hit.score, 4),
            }
            for hit in results.hits
        ],
    }


def _remove(path: Path, creator: int) -> None:
    if os.getpid() == creator:  # not a forked worker of the process that made it
        path.unlink(missing_ok=True)


def _absolute(root: str, href: str | None) -> str | None:
    return root + href if href is not None and href.startswith("/") else href


class _Connection:
    """A read-only connection to the index, closed on leaving the ``with`` block."""

    def __init__(self, path: Path):
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self.connection = open_index(self.path)
        return self.connection

    def __exit__(self, *_: object) -> None:
        if self.connection is not None:
            self.connection.close()


def _connect(site: Site) -> _Connection:
    return _Connection(index_path(site))


def index_path(site: Site) -> Path:
    """The index answering for ``site``: the served build's when it covers what is served and
    is of this schema version, else one made from the served store (once per process)."""
    key = id(site)
    with _lock:
        chosen = _made.get(key)
        if chosen is not None and chosen.is_file():
            return chosen
        folder = site.build_folder
        if folder is not None and site.config.builtin and not site.config.data_files:
            built = folder / SEARCH_INDEX
            try:
                open_index(built).close()
            except sqlite3.Error:
                pass  # missing, or written by another govkg version
            else:
                _made[key] = built
                return built
        handle, name = tempfile.mkstemp(prefix="govkg-search-", suffix=".sqlite")
        os.close(handle)
        made = Path(name)
        try:
            write_search_index(site.store, made)
        except BaseException:
            made.unlink(missing_ok=True)  # the store failed (down, too slow): nothing kept
            raise
        atexit.register(_remove, made, os.getpid())
        _made[key] = made
        return made
