"""Downloads of the build's artefacts (``/downloads/``): the whole dataset (TriG, N-Quads), the
union graph (Turtle, N-Triples, JSON-LD, RDF/XML), the ontology modules, the shapes and the
build report, each with its media type, size and SHA-256.

Each file is served with a strong ``ETag`` (its SHA-256) and ``Last-Modified``, answers
conditional requests with 304 (RFC 9110 section 13), ranges for the identity encoding, and a
gzip encoding when the client accepts it (RFC 9110 section 8.4.1; a different ETag, as
section 8.8.3 asks). The gzip bodies are compressed once (at start-up under `govkg serve`, on
first use otherwise), never per request.

Every file is opened once, when the build is loaded, and served from that open file (a fresh
read position each request, through ``/proc/self/fd``): a rebuild that replaces the build
folder while the server runs cannot change the bytes behind a size, SHA-256 or ETag already
announced, and a ``Range`` request with an old ``If-Range`` validator gets the whole new file
(RFC 9110 section 13.1.5) only from a server that has switched to the new build.

Over a remote store (``govkg serve --store``) the files come from the build folder only when
it holds the very build the store holds (the same manifest ``build_id``): a replica deployed
with its build folder serves them; one without lists no downloads (404), as files of another
build would not describe what is served (:attr:`govkg.web.Site.build_folder`).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, cast

from flask import Blueprint, Response, request, send_file

from govkg.formats import RDF_SYNTAXES
from govkg.web import base_url, current_site
from govkg.web.errors import NotFoundError
from govkg.web.negotiation import listing_response
from govkg.web.serving import INLINE_BYTES, STREAM_CHUNK_BYTES

bp = Blueprint("downloads", __name__)
#: Where each artefact comes from, in the order listed.
_DUMP_TITLES = {
    "trig": "Whole dataset, one named graph per source (TriG)",
    "nquads": "Whole dataset, one named graph per source (N-Quads)",
    "turtle": "Union graph (Turtle)",
    "ntriples": "Union graph (N-Triples)",
    "jsonld": "Union graph (JSON-LD)",
    "rdfxml": "Union graph (RDF/XML)",
}
_ORDER = ("trig", "nquads", "turtle", "ntriples", "jsonld", "rdfxml")
GZIP_LEVEL = 6


@dataclass
class Artefact:
    """One downloadable file.

    Attributes:
        name: Its path below ``/downloads/`` (``govkg.ttl``, ``ontology/govkg.ttl``).
        path: The file.
        title: What it holds.
        media_type: Its media type.
        size: Bytes.
        sha256: Hex digest (also the ETag).
        modified: Last modification time.
    """

    name: str
    path: Path
    title: str
    media_type: str
    size: int
    sha256: str
    modified: datetime
    fd: int = -1
    _gzip: bytes | None = None

    @property
    def held_path(self) -> str:
        """A path to the file as it was when loaded, even if it has since been replaced or
        deleted: opening it gives a read position of its own (Linux ``/proc/self/fd``)."""
        return f"/proc/self/fd/{self.fd}"

    def open(self) -> BinaryIO:
        """The file as it was when loaded, with a read position of its own."""
        return open(self.held_path, "rb")

    def as_json(self, root: str) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "url": f"{root}/downloads/{self.name}",
            "mediaType": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "modified": self.modified.isoformat(),
        }


class Artefacts:
    """The artefacts of a build folder, hashed once (None: nothing to download)."""

    def __init__(self, build_dir: Path | None):
        self.items: dict[str, Artefact] = {}
        self._lock = threading.Lock()
        if build_dir is None or not build_dir.is_dir():
            return
        syntaxes = {s.name: s for s in RDF_SYNTAXES}
        for key in _ORDER:
            syntax = syntaxes[key]
            self._add(build_dir, f"govkg.{syntax.extension}", _DUMP_TITLES[key], syntax.media_type)
        for folder, what in (("ontology", "Ontology module"), ("shapes", "SHACL shapes")):
            for path in sorted((build_dir / folder).glob("*.ttl")):
                self._add(
                    build_dir,
                    f"{folder}/{path.name}",
                    f"{what} {path.stem} (Turtle)",
                    "text/turtle",
                )
        self._add(build_dir, "report.json", "Build report (JSON)", "application/json")

    def _add(self, root: Path, name: str, title: str, media_type: str) -> None:
        path = root / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return
        with open(f"/proc/self/fd/{fd}", "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        stat = os.fstat(fd)
        self.items[name] = Artefact(
            name=name,
            path=path.resolve(),
            title=title,
            media_type=media_type,
            size=stat.st_size,
            sha256=digest,
            modified=datetime.fromtimestamp(int(stat.st_mtime), tz=UTC),
            fd=fd,
        )

    def close(self) -> None:
        """Close the held files (the server switched to another build)."""
        for artefact in self.items.values():
            if artefact.fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(artefact.fd)
                artefact.fd = -1

    def gzipped(self, artefact: Artefact) -> bytes:
        """The gzip encoding of an artefact, compressed on first use and kept."""
        with self._lock:
            if artefact._gzip is None:
                with artefact.open() as handle:
                    artefact._gzip = gzip.compress(handle.read(), compresslevel=GZIP_LEVEL, mtime=0)
            return artefact._gzip

    def compress_all(self) -> None:
        """Compress every artefact now (before the server forks its workers)."""
        for artefact in self.items.values():
            self.gzipped(artefact)

    def dumps(self) -> list[str]:
        """Names of the whole-dataset and union-graph dumps present."""
        return [name for name in self.items if name.startswith("govkg.")]


@bp.route("/downloads/")
@bp.route("/downloads")
def listing() -> Response:
    """List the artefacts with size and SHA-256 (HTML or JSON by ``Accept``)."""
    artefacts = current_site().artefacts
    return listing_response(
        "the list of downloads",
        lambda: {"downloads": [a.as_json(base_url()) for a in artefacts.items.values()]},
        "downloads.html",
        items=artefacts.items.values(),
    )


@bp.route("/downloads/<path:name>")
def download(name: str) -> Response:
    """Serve one artefact, gzip-encoded when accepted, with conditional GET."""
    artefacts = current_site().artefacts
    artefact = artefacts.items.get(name)
    if artefact is None:
        raise NotFoundError(f"no download {name!r}; see /downloads/")
    if request.accept_encodings["gzip"] > 0 and not request.range:
        response = Response(artefacts.gzipped(artefact), content_type=_content_type(artefact))
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{artefact.sha256}-gzip")
        response.last_modified = artefact.modified
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        response.make_conditional(request)
    else:
        response = send_file(
            artefact.held_path,
            mimetype=_content_type(artefact),
            download_name=artefact.path.name,
            etag=artefact.sha256,
            last_modified=artefact.modified,
            conditional=True,
            max_age=3600,
        )
        # set after send_file: Werkzeug appends a second charset to text/* and +xml types
        response.headers["Content-Type"] = _content_type(artefact)
        response.cache_control.public = True
    response.headers["Vary"] = "Accept-Encoding"
    if request.method != "HEAD" and (response.content_length or 0) > INLINE_BYTES:
        response.response = current_site().streams.stream(
            _pieces(cast(Iterable[bytes], response.response)), f"/downloads/{name}"
        )
        response.direct_passthrough = True
    return response


def _pieces(body: Iterable[bytes]) -> Iterator[bytes]:
    """A body in pieces of at most :data:`STREAM_CHUNK_BYTES` (so that the send deadline is
    checked between them); closing the generator closes the file."""
    try:
        for piece in body:
            for start in range(0, len(piece), STREAM_CHUNK_BYTES):
                yield piece[start : start + STREAM_CHUNK_BYTES]
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _content_type(artefact: Artefact) -> str:
    if artefact.media_type.startswith("text/") or artefact.media_type.endswith("+xml"):
        return f"{artefact.media_type}; charset=utf-8"
    return artefact.media_type
