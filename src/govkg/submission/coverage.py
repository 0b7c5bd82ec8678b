"""How much of each declared framework a submission maps: distinct elements per framework and
role, counted as the rows stream by, reported against the framework's size in the built graph.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef
from rdflib.term import Node

from govkg.namespaces import SSSOM
from govkg.submission.findings import Coverage
from govkg.submission.reference import ReferenceIndex

#: The set property declaring the frameworks of each role.
ROLE_PROPERTIES = (("subject", SSSOM.subject_source), ("object", SSSOM.object_source))


class CoverageTally:
    """Counts the distinct elements a submission maps, per framework and role.

    >>> tally = CoverageTally()
    >>> for element in ("urn:a/1", "urn:a/2", "urn:a/1"):
    ...     tally.add("subject", "urn:a", element)
    >>> len(tally.mapped["subject"]["urn:a"])
    2
    """

    def __init__(self) -> None:
        self.mapped: dict[str, dict[str, set[str]]] = {
            "subject": defaultdict(set),
            "object": defaultdict(set),
        }

    def add(self, role: str, scheme: str, element: str) -> None:
        """Count ``element`` of framework ``scheme`` as mapped in ``role``."""
        self.mapped[role][scheme].add(element)

    def coverage(self, set_values: dict[str, list[Node]], index: ReferenceIndex) -> list[Coverage]:
        """Return the coverage of each framework the set declares that the graph knows."""
        found = []
        for role, prop in ROLE_PROPERTIES:
            for framework in sorted(
                {str(f) for f in set_values.get(str(prop), []) if isinstance(f, URIRef)}
            ):
                if framework in index.schemes:
                    found.append(
                        Coverage(
                            framework=framework,
                            label=index.label(framework),
                            role=role,
                            mapped=len(self.mapped[role].get(framework, ())),
                            elements=index.scheme_sizes.get(framework, 0),
                        )
                    )
        return found
