"""The one exception hierarchy of govkg.

Core modules raise these; each boundary maps them once: the CLI to an :class:`ExitCode`
(``cli.py``), the web app to an HTTP status (``web/errors.py``).
"""

from __future__ import annotations

import enum
from pathlib import Path


class ExitCode(enum.IntEnum):
    """Documented exit codes of the ``govkg`` command (as pySHACL's CLI uses them)."""

    OK = 0
    VIOLATIONS = 1
    INPUT_ERROR = 2
    INTERNAL_ERROR = 3


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
