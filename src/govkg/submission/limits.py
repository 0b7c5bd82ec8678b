"""Input limits of a submission: past them a file is refused with a clear error naming the file
and line, before a parser can be made to hold it whole (docs/mapping-submissions.md).

Read as ``limits.NAME`` at the moment of use, so that a test can lower one.
"""

from __future__ import annotations

#: Bytes of one line of a table (a 100,000-row SSSOM TSV has lines of a few hundred bytes).
MAX_LINE = 16 * 1024 * 1024

#: Bytes of one cell (Python's csv module refuses a longer field).
MAX_CELL = 1024 * 1024

#: Bytes of the metadata block, or of the ``--metadata`` file.
MAX_METADATA = 1024 * 1024

#: Columns of a table (SSSOM has fewer than 100 Mapping slots).
MAX_COLUMNS = 512

#: Bytes of an RDF submission, parsed whole by rdflib.
MAX_RDF = 64 * 1024 * 1024

#: Nesting of the YAML metadata block (SSSOM metadata nests two levels: curie_map, lists).
MAX_YAML_DEPTH = 16
