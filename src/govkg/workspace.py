"""Workspaces: a folder of one's own frameworks, mapping sets and source documents that govkg
builds, validates, reasons over and serves together with its built-in graph (docs/workspaces.md).

A workspace is a folder holding ``govkg-workspace.toml`` (TOML 1.0, read with :mod:`tomllib`)::

    version = 1                                # the format of this file
    name = "acme"                              # a short name, for messages and the README
    namespace = "https://example.org/acme/"    # the base IRI of everything the workspace mints

and three folders of Turtle files, each loaded by the build into its own named graph
(:meth:`Workspace.graph_iri`) through the same gates as govkg's ``data/``: ``frameworks/``
(framework submissions, as ``govkg import`` writes them), ``crosswalks/`` (mapping sets) and
``sources/`` (source documents). The build goes to ``build/`` inside it.

Commands find the workspace in this order (:func:`find_workspace`): the ``--workspace``
option, the ``GOVKG_WORKSPACE`` environment variable, then the current folder and its parents.
A workspace that is named but does not exist, or whose configuration is broken, is an error
(exit 2) naming the file and line; none found means the built-in graph alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from govkg import faults
from govkg.errors import InputError, os_errors

#: The configuration file that makes a folder a workspace.
CONFIG_NAME = "govkg-workspace.toml"
#: The environment variable naming a workspace (after ``--workspace``).
ENVIRONMENT_VARIABLE = "GOVKG_WORKSPACE"
#: The lock file of a workspace's sources, in its folder (ignored by git and the build).
LOCK_NAME = ".govkg-workspace.lock"
#: The format version of the configuration this govkg writes and reads.
FORMAT_VERSION = 1
#: The folders of Turtle sources, in the order the build loads them.
SOURCE_FOLDERS = ("frameworks", "crosswalks", "sources")
#: govkg's own namespace, which a workspace may not mint in (its IRIs would collide).
GOVKG_BASE = "https://w3id.org/govkg/"
#: The namespace ``govkg init`` writes when none is given: a documentation-only domain
#: (RFC 2606), to be replaced by one the owner controls before anything is published.
DEFAULT_NAMESPACE = "https://example.org/{name}/"

_KEYS = {"version", "name", "namespace"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*[/#:]$")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Workspace:
    """A workspace: where its sources are and the namespace its IRIs are minted in.

    Attributes:
        root: The folder holding ``govkg-workspace.toml``.
        name: Its short name.
        namespace: The base IRI of what it mints, ending in ``/``, ``#`` or ``:``.
        frameworks: ``root/frameworks``: framework submissions, as govkg Turtle.
        crosswalks: ``root/crosswalks``: mapping sets, as govkg Turtle.
        sources: ``root/sources``: source documents described in Turtle.
        build: ``root/build``: its build (unless ``--build-dir`` or ``GOVKG_BUILD_DIR``).

    >>> ws = Workspace(Path("/w"), "acme", "https://example.org/acme/")
    >>> str(ws.iri("framework/acme-ai-policy"))
    'https://example.org/acme/id/framework/acme-ai-policy'
    >>> str(ws.graph_iri("crosswalks", "acme--nist"))
    'https://example.org/acme/graph/crosswalks/acme--nist'
    >>> ws.crosswalks.as_posix()
    '/w/crosswalks'
    """

    root: Path
    name: str
    namespace: str
    frameworks: Path = field(init=False)
    crosswalks: Path = field(init=False)
    sources: Path = field(init=False)
    build: Path = field(init=False)

    def __post_init__(self) -> None:
        for folder in (*SOURCE_FOLDERS, "build"):
            object.__setattr__(self, folder, self.root / folder)

    @property
    def config(self) -> Path:
        """The configuration file."""
        return self.root / CONFIG_NAME

    @property
    def lock(self) -> Path:
        """The lock file of its source folders (:mod:`govkg.locking`): ``govkg import`` holds
        it exclusive while it checks and writes, a build shared while it reads."""
        return self.root / LOCK_NAME

    def iri(self, path: str) -> URIRef:
        """The IRI of a resource of the workspace: ``namespace + "id/" + path``."""
        return URIRef(f"{self.namespace}id/{path}")

    def graph_iri(self, folder: str, key: str) -> URIRef:
        """The named graph of the file ``<folder>/<key>.ttl``: ``namespace + "graph/" +
        folder + "/" + key``."""
        return URIRef(f"{self.namespace}graph/{folder}/{key}")

    def source_paths(self) -> list[Path]:
        """The Turtle files of the workspace, folder by folder, each sorted (hidden files,
        such as the temporary files of an import in progress, left out)."""
        found = []
        for folder in SOURCE_FOLDERS:
            base = self.root / folder
            files = (p for p in base.rglob("*.ttl") if p.is_file())
            found += sorted(
                p for p in files if not any(x.startswith(".") for x in p.relative_to(base).parts)
            )
        return found

    def graph_iri_of(self, path: Path) -> URIRef | None:
        """The named graph of a source file of the workspace, or None when ``path`` is not
        in one of its source folders.

        >>> ws = Workspace(Path("/w"), "acme", "https://example.org/acme/")
        >>> str(ws.graph_iri_of(Path("/w/frameworks/acme-ai-policy.ttl")))
        'https://example.org/acme/graph/frameworks/acme-ai-policy'
        >>> ws.graph_iri_of(Path("/elsewhere/x.ttl")) is None
        True
        """
        absolute = Path(os.path.abspath(path))
        root = Path(os.path.abspath(self.root))
        for folder in SOURCE_FOLDERS:
            if absolute.is_relative_to(root / folder):
                key = absolute.relative_to(root / folder).with_suffix("").as_posix()
                return self.graph_iri(folder, key)
        return None


def load_workspace(root: Path) -> Workspace:
    """Read the workspace whose folder (or configuration file) is ``root``.

    Raises:
        InputError: no workspace there, or its configuration is broken (naming the file and,
            where it can, the line).
    """
    root = Path(os.path.abspath(root))
    config = root if root.name == CONFIG_NAME and root.is_file() else root / CONFIG_NAME
    if not config.is_file():
        if not config.parent.exists():
            raise InputError("no such workspace (the folder does not exist)", config.parent)
        raise InputError(
            f"not a govkg workspace (no {CONFIG_NAME}); make one with `govkg init`", config.parent
        )
    try:
        raw = config.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", config) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8", config, raw[: exc.start].count(b"\n") + 1) from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).strip()
        raise InputError(
            f"not valid TOML: {message}", config, int(found.group(1)) if found else None
        ) from None
    return _workspace_from(values, text, config)


def _workspace_from(values: dict[str, object], text: str, config: Path) -> Workspace:
    """Check the configuration's values (each error names the line of its key)."""
    for key in values:
        if key not in _KEYS:
            raise InputError(
                f"unknown setting {key!r} (known: {', '.join(sorted(_KEYS))})",
                config,
                _line_of(text, key),
            )
    version = values.get("version")
    if version is None:
        raise InputError(f"no 'version' (this govkg writes version = {FORMAT_VERSION})", config)
    if not isinstance(version, int) or isinstance(version, bool) or version != FORMAT_VERSION:
        raise InputError(
            f"version {version!r} is not one this govkg reads ({FORMAT_VERSION}); "
            "a newer govkg may have written it",
            config,
            _line_of(text, "version"),
        )
    name = values.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            "'name' must be a short name (letters, digits, '.', '_', '-'; at most 64)",
            config,
            _line_of(text, "name"),
        )
    namespace = values.get("namespace")
    problem = namespace_problem(namespace)
    if problem:
        raise InputError(problem, config, _line_of(text, "namespace"))
    assert isinstance(namespace, str)
    return Workspace(root=config.parent, name=name, namespace=namespace)


def namespace_problem(namespace: object) -> str | None:
    """Say what is wrong with a workspace namespace, or None when it is usable.

    >>> namespace_problem("https://example.org/acme/") is None
    True
    >>> namespace_problem("https://example.org/acme")
    "'namespace' must be an absolute IRI ending in '/', '#' or ':' (not 'https://example.org/acme')"
    >>> namespace_problem("https://w3id.org/govkg/acme/")
    "'namespace' may not lie in govkg's own namespace https://w3id.org/govkg/"
    """
    if not isinstance(namespace, str) or not _IRI.match(namespace):
        return f"'namespace' must be an absolute IRI ending in '/', '#' or ':' (not {namespace!r})"
    if namespace.startswith(GOVKG_BASE) or GOVKG_BASE.startswith(namespace):
        return f"'namespace' may not lie in govkg's own namespace {GOVKG_BASE}"
    return None


def _line_of(text: str, key: str) -> int | None:
    """The line that sets ``key`` at the top level, or None."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def find_workspace(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Workspace | None:
    """Find the workspace a command works on: ``explicit`` (``--workspace``), else
    ``GOVKG_WORKSPACE``, else the nearest folder from ``cwd`` upwards holding
    ``govkg-workspace.toml``; None when there is none (the built-in graph alone).

    Raises:
        InputError: the workspace named by ``explicit`` or ``GOVKG_WORKSPACE`` does not exist,
            or the configuration found is broken.

    >>> find_workspace(cwd=Path("/"), environ={}) is None
    True
    """
    env = os.environ if environ is None else environ
    if explicit is not None:
        return load_workspace(Path(explicit))
    named = env.get(ENVIRONMENT_VARIABLE)
    if named:
        try:
            return load_workspace(Path(named))
        except InputError as exc:
            raise InputError(f"{ENVIRONMENT_VARIABLE}: {exc.message}", exc.path, exc.line) from None
    here = Path(os.path.abspath(cwd if cwd is not None else Path.cwd()))
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_workspace(folder)
    return None


def is_workspace(root: Path) -> bool:
    """True when ``root`` holds a workspace configuration (readable or not)."""
    return (Path(root) / CONFIG_NAME).is_file()


def init_workspace(root: Path, name: str | None = None, namespace: str | None = None) -> Workspace:
    """Make ``root`` a workspace: its configuration, the three source folders, a README and a
    ``.gitignore`` for ``build/``. A folder that is already a workspace is left as it is.

    The workspace is written into a temporary folder beside ``root`` and renamed into place
    (one ``rename``, replacing ``root`` only when it is empty): a run killed midway leaves no
    half-made workspace.

    Args:
        root: The folder (created; it may exist if empty).
        name: Its short name (default: the folder's name).
        namespace: The base IRI of its resources (default: :data:`DEFAULT_NAMESPACE`).

    Raises:
        InputError: ``root`` is a non-empty folder that is not a workspace, or a file; the
            name or namespace is not usable.
        ResourceError: the parent folder cannot be written.
    """
    root = Path(os.path.abspath(root))
    if is_workspace(root):
        return load_workspace(root)
    if root.exists() and not root.is_dir():
        raise InputError("not a folder; choose another place for the workspace", root)
    if root.is_dir() and any(root.iterdir()):
        raise InputError(
            "the folder is not empty and not a govkg workspace; choose an empty or new folder",
            root,
        )
    name = name if name is not None else _name_from(root.name)
    if not _NAME.match(name):
        raise InputError(
            f"--name {name!r}: letters, digits, '.', '_' and '-' only (at most 64), "
            "starting with a letter or digit"
        )
    namespace = namespace if namespace is not None else DEFAULT_NAMESPACE.format(name=name)
    problem = namespace_problem(namespace)
    if problem:
        raise InputError(problem.replace("'namespace'", "--namespace"))
    workspace = Workspace(root=root, name=name, namespace=namespace)
    with os_errors(root.parent):
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent))
    try:
        with os_errors(root.parent):
            for folder in SOURCE_FOLDERS:
                (staging / folder).mkdir()
                (staging / folder / ".gitkeep").write_text("", encoding="utf-8")
            (staging / "README.md").write_text(readme(workspace), encoding="utf-8")
            ignored = f"/build/\n/.build.*\n/{LOCK_NAME}\n"
            (staging / ".gitignore").write_text(ignored, encoding="utf-8")
            (staging / CONFIG_NAME).write_text(config_text(workspace), encoding="utf-8")
            staging.chmod(0o777 & ~_umask())
            faults.point("init:before-rename")
            os.replace(staging, root)  # an empty root is replaced; a non-empty one refuses
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if is_workspace(root):  # another init won the race
            return load_workspace(root)
        raise InputError(f"cannot make the workspace: {exc.strerror or exc}", root) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return workspace


def _name_from(folder: str) -> str:
    """A workspace name from a folder name.

    >>> _name_from("My Policies (2026)")
    'My-Policies-2026'
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder).strip("-._")[:64]
    return name or "workspace"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def config_text(workspace: Workspace) -> str:
    """The configuration file of ``workspace``, as ``govkg init`` writes it.

    >>> ws = Workspace(Path("/w"), "acme", "https://example.org/acme/")
    >>> load_text = tomllib.loads(config_text(ws))
    >>> load_text == {"version": 1, "name": "acme", "namespace": "https://example.org/acme/"}
    True
    """
    return (
        "# A govkg workspace (docs/workspaces.md). Every govkg command run in this folder or\n"
        "# below, or with --workspace / GOVKG_WORKSPACE naming it, works on the built-in graph\n"
        "# plus the Turtle files of frameworks/, crosswalks/ and sources/.\n"
        f"version = {FORMAT_VERSION}\n"
        f"name = {_toml_string(workspace.name)}\n"
        "# The base IRI of every resource this workspace mints (<namespace>id/...), and of its\n"
        "# named graphs (<namespace>graph/...). Use one you control before publishing.\n"
        f"namespace = {_toml_string(workspace.namespace)}\n"
    )


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def readme(workspace: Workspace) -> str:
    """The README ``govkg init`` writes into a workspace."""
    return f"""# govkg workspace `{workspace.name}`

This folder is a govkg workspace: govkg builds, validates, reasons over and serves the files
here together with its built-in graph. Every `govkg` command run in this folder (or below it)
uses it; elsewhere, name it with `--workspace PATH` or `GOVKG_WORKSPACE=PATH`.

What goes where:

- `{CONFIG_NAME}`: the workspace's name and namespace (`{workspace.namespace}`): every
  resource it mints is `<namespace>id/...`, each file's named graph `<namespace>graph/...`.
- `frameworks/`: your frameworks, as govkg Turtle. Write them with
  `govkg import my-framework.csv` (a table with a `.yml` metadata file beside it) or
  `govkg import my-framework.ttl` (SKOS Turtle); check them first with `govkg validate`.
- `crosswalks/`: your mapping sets, as govkg Turtle, written by
  `govkg import my-mappings.sssom.tsv` (SSSOM TSV or RDF, CSV, or a NIST OLIR table).
- `sources/`: source documents (`gk:SourceDocument`) your files cite, in Turtle written by
  hand; each file describes its own named graph as a `gk:SourceGraph`.
- `build/`: the build (`govkg build`), not to be committed (see `.gitignore`).

Next steps:

    govkg validate my-framework.csv      # check a framework or mapping file
    govkg import my-framework.csv        # add it to frameworks/ (or crosswalks/)
    govkg build                          # SHACL, OWL 2 RL, QC queries, dumps into build/
    govkg serve                          # SPARQL endpoint on http://127.0.0.1:8000/sparql

See docs/workspaces.md in govkg's documentation.
"""
