"""The YAML of a submission's set metadata (the SSSOM/TSV metadata block, or a ``--metadata``
file), read safely: PyYAML's safe loader with dates kept as text, and before it a pass over the
events that refuses anchors, aliases and tags and nesting past
:data:`~govkg.submission.limits.MAX_YAML_DEPTH`, so that no YAML bomb gets built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from govkg.errors import InputError
from govkg.submission import limits


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader, reading dates as text (the shapes check them, so that an invalid
    date such as 2026-02-30 is a finding, not a crash)."""


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def load_yaml(text: str, path: Path, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse the metadata block safely: no anchors, aliases or tags, bounded depth; return the
    values and the line of each top-level key."""
    offset = max(first_line, 1) - 1
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            line = offset + event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(
                    "YAML anchors and aliases are not allowed in the metadata block", path, line
                )
            tag = getattr(event, "tag", None)
            if tag and not getattr(event, "implicit", (True,))[0] and tag != "!":
                raise InputError(f"YAML tag {tag} is not allowed in the metadata block", path, line)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.MAX_YAML_DEPTH:
                    raise InputError(
                        f"metadata nested deeper than {limits.MAX_YAML_DEPTH} levels", path, line
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except (ValueError, TypeError, RecursionError) as exc:
        raise InputError(
            f"metadata block cannot be read: {exc}", path, max(first_line, 1)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = offset + mark.line + 1 if mark is not None else max(first_line, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"metadata block is not valid YAML: {problem}", path, line) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise InputError(
            "the metadata block must be a YAML mapping of SSSOM slots", path, max(first_line, 1)
        )
    lines = {str(key.value): offset + key.start_mark.line + 1 for key, _ in node.value}
    return {str(k): v for k, v in data.items()}, lines


def load_metadata_file(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Read the set's metadata from a YAML file (``--metadata``), as :func:`load_yaml`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read metadata: {exc.strerror or exc}", path) from None
    if len(raw) > limits.MAX_METADATA:
        raise InputError(f"metadata file larger than {limits.MAX_METADATA // 2**20} MiB", path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("metadata file is not UTF-8", path) from None
    return load_yaml(text, path, 1)
