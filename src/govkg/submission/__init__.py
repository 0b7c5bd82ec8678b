"""Mapping submissions: checking a crosswalk before it joins the graph, importing it, and
writing the graph's mapping sets back out as SSSOM TSV.

A submission is one SSSOM mapping set (SSSOM specification, https://mapping-commons.github.io/
sssom/): SSSOM TSV with its YAML metadata block, a CSV/TSV table with SSSOM column names, or RDF
using the SSSOM slot URIs govkg uses (docs/data-conventions.md, "Mappings").

Modules, one job each:

* :mod:`~govkg.submission.vocabulary`: SSSOM slots, their RDF properties and govkg extensions;
* :mod:`~govkg.submission.findings`: the collector of findings (:class:`govkg.validation.Finding`),
  what records them for one family of checks, and the report of one file;
* :mod:`~govkg.submission.readers`: reading the three kinds of input into set metadata and a
  stream of mapping rows (:mod:`~govkg.submission.rows`), behind input guards
  (:mod:`~govkg.submission.limits`), through :mod:`~govkg.submission.lines`,
  :mod:`~govkg.submission.yamlblock`, :mod:`~govkg.submission.terms` and
  :mod:`~govkg.submission.tables` for tables, :mod:`~govkg.submission.rdfinput` for RDF;
* :mod:`~govkg.submission.minting`: the IRIs of a set's mappings and of a new source document;
* :mod:`~govkg.submission.rowshapes`: the streaming SHACL checker compiled from
  ``shapes/mapping-submission.ttl``;
* :mod:`~govkg.submission.reference`: what the built graph knows (elements, frameworks,
  mappings, hierarchy);
* :mod:`~govkg.submission.consistency`: predicate semantics, contradictions, cycles;
* :mod:`~govkg.submission.reference_checks`, :mod:`~govkg.submission.consistency_checks` and
  :mod:`~govkg.submission.coverage`: the checks of one file against the graph, against itself
  and the graph's mappings, and how much of each framework it maps;
* :mod:`~govkg.submission.validate`: the pipeline of ``govkg validate``;
* :mod:`~govkg.submission.render`: text, JSON and SHACL-report (Turtle) output;
* :mod:`~govkg.submission.importing` and :mod:`~govkg.submission.exporting`: ``govkg import``
  and ``govkg export-mappings``.
"""

from __future__ import annotations
