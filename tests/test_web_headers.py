"""Security headers and accessibility of every page (issue 15, item 6).

Every route of the app is requested (a route without a sample here fails the test, so a new
route must be added): HTML answers carry the Content-Security-Policy without
``'unsafe-inline'`` (CSP Level 3), ``X-Content-Type-Options: nosniff`` (Fetch standard) and a
``Referrer-Policy``; other answers a policy that loads nothing. No template has an inline
script, style or event handler (the policy would block them). Each HTML page is checked for
WCAG 2.1 AA basics a program can check: ``lang``, a viewport, a skip link to ``main``, the
header/nav/main/footer landmarks, headings that start at ``h1`` and skip no level (1.3.1), form
controls with labels (3.3.2, 4.1.2), tables with header cells (1.3.1), and the palette of
``style.css`` at 4.5:1 or more (1.4.3, the relative-luminance formula of WCAG 2.1). The same
headers come through the real ``govkg serve`` (granian)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_server import running

from govkg.backends import Store
from govkg.web import DOCUMENT_POLICY, PAGE_POLICY, create_app
from govkg.web.config import WebConfig

WEB = Path(__file__).parent.parent / "src" / "govkg" / "web"
TEMPLATES = WEB / "templates"
STYLE = WEB / "static" / "style.css"
NIST = "id/framework/nist-ai-rmf-1-0"
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"

#: Sample paths of every route, by endpoint (HTML pages and everything else alike).
SAMPLES: dict[str, list[str]] = {
    "static": ["/static/style.css"],
    "sparql.endpoint": [
        "/sparql",
        "/sparql/",
        f"/sparql?query={quote(SELECT)}&format=html",
        f"/sparql?query={quote(SELECT)}&format=json",
    ],
    "queries.listing": ["/queries/", "/queries"],
    "queries.run": [
        "/queries/cq10-ai-verify-principles",
        "/queries/cq10-ai-verify-principles?format=csv",
    ],
    "pages.home": ["/"],
    "pages.thing": [f"/{NIST}"],
    "pages.graph": ["/graph/meta"],
    "pages.ontology": ["/ontology"],
    "pages.ontology_version": ["/ontology/0.1.0"],
    "pages.shapes": ["/shapes"],
    "pages.page": [f"/page/{NIST}", "/page/ontology"],
    "pages.data": [f"/data/{NIST}.ttl"],
    "pages.any_resource": [
        "/resource?iri=" + quote("https://creativecommons.org/publicdomain/mark/1.0/", safe="")
    ],
    "frameworks.framework_list": ["/frameworks/"],
    "frameworks.framework_page": ["/frameworks/nist-ai-rmf-1-0"],
    "frameworks.element_page": [
        "/frameworks/nist-ai-rmf-1-0/govern-1-6",
        "/frameworks/nist-ai-600-1/information-integrity",
    ],
    "crosswalks.crosswalk_list": ["/crosswalks/"],
    "crosswalks.crosswalk_page": [
        "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0",
        "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0?row=information-integrity&column=safe",
    ],
    "crosswalks.pairs_csv": ["/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0/pairs.csv"],
    "crosswalks.matrix_csv": ["/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0/matrix.csv"],
    "crosswalks.heatmap_svg": ["/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0/heatmap.svg"],
    "crosswalks.pair_sssom": [
        "/crosswalks/us-sg-ai-fact-sheet-2024-06-05/nist-ai-rmf-1-0/sets/"
        "fact-sheet-principles-lexical.sssom.tsv"
    ],
    "crosswalks.set_sssom": ["/crosswalks/sets/ai-verify-ai-rmf-text-reuse.sssom.tsv"],
    "search.search_page": ["/search", "/search?q=explainability"],
    "downloads.listing": ["/downloads/", "/downloads"],
    "downloads.download": ["/downloads/govkg.ttl"],
    "void.void": ["/.well-known/void"],
    "health.healthz": ["/healthz"],
}
#: Pages that are not routes of their own: errors.
EXTRA_HTML = ["/frameworks/no-such-framework", "/no/such/page"]


@pytest.fixture(scope="module")
def app(store: Store, build_dir: Path) -> Flask:
    app = create_app(WebConfig(build_dir=build_dir), store=store)
    yield app
    app.extensions["govkg"].pool.close()


@pytest.fixture(scope="module")
def answers(app: Flask) -> dict[str, tuple[int, dict[str, str], str, str]]:
    """Every sample path's status, headers, media type and body (HTML asked for)."""
    client: FlaskClient = app.test_client()
    out = {}
    for path in [p for paths in SAMPLES.values() for p in paths] + EXTRA_HTML:
        response = client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
        out[path] = (
            response.status_code,
            dict(response.headers),
            response.mimetype,
            response.get_data(as_text=True),
        )
    return out


def test_every_route_has_a_sample(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(SAMPLES) == set(), "add a sample path for each new route"


def test_every_answer_carries_the_security_headers(answers):
    html_pages = 0
    for path, (status, headers, mimetype, _) in answers.items():
        assert status < 500, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        policy = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        if mimetype == "text/html":
            html_pages += 1
            assert policy == PAGE_POLICY, path
        else:
            assert policy == DOCUMENT_POLICY, path
    assert html_pages >= 20


def test_the_page_policy_has_every_directive_the_issue_names():
    directives = dict(d.strip().split(" ", 1) for d in PAGE_POLICY.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_inline_script_style_or_handlers(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for script in re.findall(r"<script\b[^>]*>", text, re.I):
        assert re.search(r"\bsrc=", script), (template, script)
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", text, re.I), template
    assert not re.search(r"<style\b", text, re.I), template
    assert not re.search(r"\sstyle\s*=", text, re.I), template
    assert not re.search(r"\son[a-z]+\s*=", text, re.I), template
    assert "javascript:" not in text.lower(), template


def test_no_html_is_written_in_python():
    for module in WEB.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        assert "render_template_string" not in text, module.name
        assert not re.search(r"<(html|body|table|ul|h1|p)[ >]", text), module.name


# -- accessibility -------------------------------------------------------------------------------


class Page(HTMLParser):
    """What the accessibility checks read from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.labels_for: set[str] = set()
        self.unlabelled: list[str] = []
        self.tables: list[dict[str, int]] = []
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label":
            self._label_depth += 1
            if found.get("for"):
                self.labels_for.add(str(found["for"]))
        if tag in ("input", "select", "textarea"):
            kind = found.get("type") or ""
            if kind not in ("hidden", "submit", "button", "reset") and not self._label_depth:
                if not found.get("aria-label") and not found.get("aria-labelledby"):
                    self.unlabelled.append(str(found.get("id") or found.get("name")))
        if tag == "table":
            self.tables.append({"th": 0})
        if tag == "th" and self.tables:
            self.tables[-1]["th"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def test_every_html_page_meets_the_checkable_wcag_basics(answers):
    for path, (_, _, mimetype, body) in answers.items():
        if mimetype != "text/html":
            continue
        page = Page()
        page.feed(body)
        names = [t for t, _ in page.tags]
        assert re.search(r'<html lang="en">', body), path
        assert any(
            t == "meta"
            and a.get("name") == "viewport"
            and "width=device-width" in str(a.get("content"))
            for t, a in page.tags
        ), path
        skip = next(a for t, a in page.tags if t == "a")
        assert skip.get("href") == "#main" and skip.get("class") == "skip", path
        assert any(t == "main" and a.get("id") == "main" for t, a in page.tags), path
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in names, (path, landmark)
        assert page.headings and page.headings[0] == 1, (path, page.headings)
        assert page.headings.count(1) == 1, (path, page.headings)
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, (path, page.headings)
        unlabelled = [c for c in page.unlabelled if c not in page.labels_for]
        assert not unlabelled, (path, unlabelled)
        for table in page.tables:
            assert table["th"], path


def _luminance(colour: str) -> float:
    """Relative luminance of an sRGB colour (WCAG 2.1, "relative luminance")."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """The contrast ratio of two colours (WCAG 2.1, "contrast ratio").

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_of_a_known_pair():
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic "just fails" grey


def test_every_text_colour_of_the_stylesheet_meets_aa_contrast():
    css = re.sub(r"/\*.*?\*/", "", STYLE.read_text(encoding="utf-8"), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    page_background = "#ffffff"
    header_background = None
    checked = 0
    for selector, body in rules:
        declarations = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        if selector.strip() == "header":
            header_background = declarations["background"]
    assert header_background
    for selector, body in rules:
        declarations = dict(
            (k.strip(), v.strip())
            for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        colour = declarations.get("color")
        if colour is None or not colour.startswith("#"):
            continue
        background = declarations.get("background") or declarations.get("background-color")
        if background is None or not background.startswith("#"):  # "none": what is behind
            inherited = [s.strip() for s in selector.split(",")]
            in_header = all(s.startswith("header") for s in inherited)
            heat = re.match(r"\.heat-(\d)", inherited[0])
            if heat:
                cell = next(b for s, b in rules if s.strip() == f".heat-{heat.group(1)}")
                background = re.search(r"background:\s*(#[0-9a-f]+)", cell).group(1)
            else:
                background = header_background if in_header else page_background
        ratio = contrast(colour, background)
        assert ratio >= 4.5, (selector.strip(), colour, background, round(ratio, 2))
        checked += 1
    assert checked >= 15


def test_focus_is_visible_and_pages_fit_a_phone():
    css = STYLE.read_text(encoding="utf-8")
    assert re.search(r"a:focus-visible[^{]*\{[^}]*outline:\s*3px solid", css)
    assert "summary:focus-visible" in css
    assert re.search(r"@media \(max-width: 40rem\)", css)
    # wide tables scroll inside their own box instead of widening the page at 360 px
    assert re.search(r"\.scroll \{ overflow-x: auto;", css)
    assert "overflow-wrap: anywhere" in css
    for template in ("frameworks.html", "crosswalks.html", "crosswalk.html", "element.html"):
        text = (TEMPLATES / template).read_text(encoding="utf-8")
        assert text.count("<table") == text.count('<div class="scroll">\n<table'), template


# -- through the real server ----------------------------------------------------------------------


def test_the_real_server_sends_the_headers(build_dir, tmp_path):
    with running(build_dir, tmp_path / "server.log") as server:
        for path in (
            "/",
            "/frameworks/",
            "/frameworks/nist-ai-600-1/information-integrity",
            "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0",
            "/sparql",
            "/search?q=explainability",
        ):
            status, headers, _ = server.request("GET", path, headers={"Accept": "text/html"})
            assert status == 200, path
            assert headers["content-security-policy"] == PAGE_POLICY, path
            assert headers["x-content-type-options"] == "nosniff", path
            assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        status, headers, _ = server.request(
            "GET", "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0/heatmap.svg"
        )
        assert status == 200
        assert headers["content-security-policy"] == DOCUMENT_POLICY
        assert headers["content-type"].startswith("image/svg+xml")
