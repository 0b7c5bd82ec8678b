"""The benchmark graph generator (benchmarks/synthetic_graph.py): deterministic, about N
triples, and its output is a source layout that the loader and the data shapes accept."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import Dataset

from govkg.build import DATA_SHAPES
from govkg.loading import load_sources, union
from govkg.paths import Layout
from govkg.validation import load_shapes, validate

GENERATOR = Path(__file__).parents[1] / "benchmarks" / "synthetic_graph.py"


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthetic_graph", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["synthetic_graph"] = module
    spec.loader.exec_module(module)
    return module


def test_layout_passes_the_loader_and_the_data_shapes(
    synthetic: ModuleType, tmp_path: Path
) -> None:
    paths = synthetic.generate(tmp_path, triples=6000, seed=3)
    layout = Layout(root=tmp_path, checkout=True)
    sources = load_sources(layout)  # raises on blank nodes or a file not describing its graph
    assert [s.path for s in sources] == paths
    total = sum(len(s.graph) for s in sources)
    assert 5400 <= total <= 6600
    kinds = {s.name.split("/")[1] for s in sources if s.name.startswith("data/")}
    assert {"frameworks", "crosswalks", "context"} <= kinds
    data = union([s for s in sources if s.name.startswith("data/")])
    ontology = union([s for s in sources if s.name.startswith("ontology/")])
    shapes = load_shapes([layout.shapes / name for name in DATA_SHAPES])
    report = validate(data, shapes, ontology)
    assert report.conforms, report.text()


def test_same_arguments_same_bytes_and_single_file_forms(
    synthetic: ModuleType, tmp_path: Path
) -> None:
    first = synthetic.generate(tmp_path / "a", triples=4000, seed=1)
    second = synthetic.generate(tmp_path / "b", triples=4000, seed=1)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other = synthetic.generate(tmp_path / "c", triples=4000, seed=2)
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]

    nquads, trig = tmp_path / "g.nq", tmp_path / "g.trig"
    count = synthetic.write_dataset(nquads, triples=4000, seed=1)
    assert synthetic.write_dataset(trig, triples=4000, seed=1, syntax="trig") == count
    expected = sum(len(s.graph) for s in load_sources(Layout(root=tmp_path / "a", checkout=True)))
    for path, fmt in ((nquads, "nquads"), (trig, "trig")):
        dataset = Dataset()
        dataset.parse(path, format=fmt)
        graphs = [g for g in dataset.graphs() if len(g)]
        assert sum(len(g) for g in graphs) == count == expected
        assert len(graphs) == len(first)
