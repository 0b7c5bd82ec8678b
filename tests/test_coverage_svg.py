"""The coverage heatmap (``templates/heatmap.svg.j2``): well-formed SVG whatever the labels
hold, one square and one number per pair of groups, labels and tooltips as the matrix says."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from govkg.coverage import Coverage, Group, HeatmapLayout, to_svg

SVG = "{http://www.w3.org/2000/svg}"
LONG = "A group label far longer than the forty-two characters a label may show"
COVERAGE = Coverage(
    a="urn:x:a",
    b="urn:x:b",
    a_label="A & <Frame>",
    b_label="B \"quoted\" 'x'",
    rows=(Group("urn:x:r1", "Row one & more", 5), Group("urn:x:r2", LONG, 0)),
    columns=(
        Group("urn:x:c1", "Col <1>", 3),
        Group("urn:x:c2", "Col 2", 7),
        Group("urn:x:c3", "Col 3", 1),
    ),
    cells={("urn:x:r1", "urn:x:c1"): 4, ("urn:x:r1", "urn:x:c3"): 1, ("urn:x:r2", "urn:x:c2"): 2},
)


def _parse(coverage: Coverage) -> ET.Element:
    return ET.fromstring(to_svg(coverage))


def test_heatmap_is_well_formed_svg_with_the_labels_unescaped_once():
    svg = _parse(COVERAGE)
    assert svg.tag == SVG + "svg"
    assert svg.findtext(SVG + "title") == "Coverage of A & <Frame> by B \"quoted\" 'x'"
    texts = [t.text for t in svg.iter(SVG + "text")]
    assert "Coverage of A & <Frame>" in texts and "by B \"quoted\" 'x'" in texts
    assert "Col <1> (3)" in texts and "Row one & more (5)" in texts
    assert LONG[:41] + "… (0)" in texts  # cut on the picture, whole in the tooltip


def test_one_square_per_pair_of_groups_with_its_count_and_share():
    svg = _parse(COVERAGE)
    squares = [r for r in svg.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    assert len(squares) == len(COVERAGE.rows) * len(COVERAGE.columns)
    tips = [r.findtext(SVG + "title") for r in squares]
    assert tips[0] == "Row one & more → Col <1>: 4 of 5 elements"
    assert tips[4] == f"{LONG} → Col 2: 2 elements"  # an empty row group: no share
    numbers = [t.text for t in svg.iter(SVG + "text") if t.get("text-anchor") == "middle"]
    assert numbers == ["4", "0", "1", "0", "2", "0"]
    layout = HeatmapLayout()
    fills = [r.get("fill") for r in squares]
    assert fills[0] == layout.fill(1.0) and fills[1] == layout.empty_fill
    legend = [t.text for t in svg.iter(SVG + "text")][-1]
    assert legend.endswith("Darkest cell: 4.")


def test_size_follows_the_layout_constants():
    layout = HeatmapLayout()
    svg = _parse(COVERAGE)
    assert int(svg.get("width")) == layout.left + 3 * layout.cell + layout.right
    assert int(svg.get("height")) == layout.top + 2 * layout.cell + layout.footer


def test_an_empty_matrix_is_still_a_picture():
    svg = _parse(Coverage("urn:x:a", "urn:x:b", "A", "B", (), (), {}))
    assert svg.findtext(SVG + "title") == "Coverage of A by B"
