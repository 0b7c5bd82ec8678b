"""The reference facts, with the look-ups the generator needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from rdflib import URIRef

from reference_import.core import (
    ORGANISATION_NAME_ALIASES,
    ORGANISATION_NS,
    REPRINT_SUFFIX,
    ReferenceDataError,
    agent_iri,
    as_list,
)


@dataclass(frozen=True)
class Facts:
    """The reference facts, with the lookups the tool needs."""

    raw: Mapping[str, Any]

    def section(self, name: str) -> Any:  # noqa: ANN401 - YAML content
        """Return a top-level section of the reference facts."""
        return self.raw[name]

    @property
    def meta(self) -> Mapping[str, Any]:
        """The ``meta`` section."""
        return cast(Mapping[str, Any], self.section("meta"))

    @property
    def compiled(self) -> str:
        """When the reference facts were compiled (``meta.compiled``)."""
        return str(self.meta["compiled"])

    @property
    def sources(self) -> list[Mapping[str, Any]]:
        """The ``sources`` list."""
        return cast(list[Mapping[str, Any]], self.section("sources"))

    @property
    def frameworks(self) -> Mapping[str, Mapping[str, Any]]:
        """The ``frameworks`` mapping, by framework key."""
        return cast(Mapping[str, Mapping[str, Any]], self.section("frameworks"))

    @property
    def crosswalks(self) -> list[Mapping[str, Any]]:
        """The ``crosswalks`` list."""
        return cast(list[Mapping[str, Any]], self.section("crosswalks"))

    @property
    def fact_sheet(self) -> Mapping[str, Any]:
        """The ``fact_sheet`` section."""
        return cast(Mapping[str, Any], self.section("fact_sheet"))

    def source(self, source_id: str) -> Mapping[str, Any]:
        """Return the source entry with this id; fails loudly on unknown ids."""
        for entry in self.sources:
            if entry["id"] == source_id:
                return entry
        raise ReferenceDataError(f"unknown source id {source_id!r}")

    def organisation_labels(self) -> dict[str, str]:
        """Return organisation labels by organisation key."""
        return {org["key"]: org["label"] for org in self.section("organizations")}

    def organisation(self, org_key: str) -> URIRef:
        """Return the IRI of an organisation; fails loudly on keys the facts do not define."""
        if org_key not in self.organisation_labels():
            raise ReferenceDataError(f"unknown organisation key {org_key!r}")
        return ORGANISATION_NS[org_key.removeprefix("org-")]

    def organisations_named(self, name: str) -> tuple[str, ...]:
        """Return the organisation keys a free-text publisher name stands for (maybe none)."""
        by_label = {label: (key,) for key, label in self.organisation_labels().items()}
        return {**by_label, **ORGANISATION_NAME_ALIASES}.get(name, ())

    def publisher(self, name: str) -> tuple[URIRef, ...]:
        """Return the agents a publisher name stands for: the organisations of the facts it
        names, else an agent of its own (:func:`agent_iri`), described in ``sources.ttl``."""
        keys = self.organisations_named(name.removesuffix(REPRINT_SUFFIX))
        if keys:
            return tuple(self.organisation(key) for key in keys)
        return (agent_iri(name.removesuffix(REPRINT_SUFFIX)),)

    def publisher_only_names(self) -> list[str]:
        """Return the publisher names of sources that stand for no organisation of the facts."""
        found = {
            str(name).removesuffix(REPRINT_SUFFIX)
            for entry in self.sources
            for name in as_list(entry.get("publisher"))
        }
        return sorted(name for name in found if not self.organisations_named(name))

    def initiative_label(self, key: str) -> str | None:
        """Return the label of a programme or platform, if the facts define the key."""
        for entry in self.raw.get("programmes_and_platforms", []):
            if entry.get("key") == key:
                return str(entry["label"])
        return None


def load_facts(path: Path) -> Facts:
    """Read the reference facts YAML file."""
    with path.open(encoding="utf-8") as stream:
        raw = yaml.safe_load(stream)
    for name in ("meta", "sources", "organizations", "frameworks", "crosswalks", "fact_sheet"):
        if name not in raw:
            raise ReferenceDataError(f"{path}: no {name!r} section")
    return Facts(raw)
