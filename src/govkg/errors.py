"""The one exception hierarchy of govkg.

Core modules raise these; each boundary maps them once: the CLI to an :class:`ExitCode`
(``govkg.cli``), the web app to an HTTP status (``web/errors.py``).
"""

from __future__ import annotations

import enum
import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ExitCode(enum.IntEnum):
    """Documented exit codes of the ``govkg`` command (as pySHACL's CLI uses them)."""

    OK = 0
    VIOLATIONS = 1
    INPUT_ERROR = 2
    INTERNAL_ERROR = 3
    ENVIRONMENT = 4
    BUSY = 5


class GovkgError(Exception):
    """Base class: a failure govkg can explain in one line.

    Args:
        message: What went wrong, in one line.
        path: The file concerned, if any.
        line: The 1-based line in that file, if known.
    """

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class InputError(GovkgError):
    """A file, query or argument that cannot be read or is not allowed."""

    exit_code = ExitCode.INPUT_ERROR


class QueryError(InputError):
    """A SPARQL query that is malformed, too large, too deep or asks for something refused."""


class UnknownQueryError(InputError):
    """A named query that does not exist."""


class ValidationFailed(GovkgError):  # noqa: N818 - an outcome, as pySHACL's ValidationFailure
    """The data does not conform to its shapes; ``report`` holds the findings."""

    exit_code = ExitCode.VIOLATIONS

    def __init__(self, message: str, report: object | None = None):
        super().__init__(message)
        self.report = report


class InconsistencyError(GovkgError):
    """The OWL 2 RL closure found a contradiction in the ontology and data."""

    exit_code = ExitCode.VIOLATIONS


class DamagedBuildError(InputError):
    """A build folder whose files do not match its ``manifest.json`` (cut, emptied, altered)."""


class ResourceError(GovkgError):
    """The machine refused: a full disk or quota, a read-only or busy folder, no permission.
    Not a bug in govkg, and not bad input: the message names the path and the cause."""

    exit_code = ExitCode.ENVIRONMENT


class FolderLockedError(GovkgError):
    """Another govkg run is writing the same data or build folder; try again when it ends."""

    exit_code = ExitCode.BUSY


#: errno values that mean "the machine refused", not "govkg is wrong".
ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.EBUSY,
        errno.EMFILE,
        errno.ENFILE,
        errno.EIO,
        errno.ENOMEM,
        errno.EFBIG,
        errno.ETXTBSY,
    }
)


def environment_error(exc: OSError, path: Path | str | None = None) -> GovkgError | None:
    """Return the govkg error an :class:`OSError` of the environment stands for, or None.

    >>> str(environment_error(OSError(28, "No space left on device"), "/srv/build"))
    '/srv/build: No space left on device (ENOSPC): free some space or choose another folder'
    """
    if exc.errno not in ENVIRONMENT_ERRNOS:
        return None
    where = exc.filename or path
    name = errno.errorcode.get(exc.errno or 0, "")
    hint = {
        errno.ENOSPC: "free some space or choose another folder",
        errno.EDQUOT: "free some space or choose another folder",
        errno.EROFS: "the file system is read-only; choose another folder",
        errno.EACCES: "no permission; choose another folder or fix its permissions",
        errno.EPERM: "no permission; choose another folder or fix its permissions",
        errno.EBUSY: "the folder is busy (a mount point?); choose a folder inside it",
    }.get(exc.errno or 0, "")
    text = f"{exc.strerror or os.strerror(exc.errno or 0)} ({name})" + (f": {hint}" if hint else "")
    return ResourceError(text, where)


@contextmanager
def os_errors(path: Path | str) -> Iterator[None]:
    """Turn an :class:`OSError` of the environment raised inside into a :class:`ResourceError`
    naming ``path`` (or the file the error names)."""
    try:
        yield
    except OSError as exc:
        error = environment_error(exc, path)
        if error is None:
            raise
        raise error from None
