"""Tests in a real browser (issue 15, item 7): headless Chromium (Debian's ``chromium``, which
``.ci/run`` installs when absent) driven by Playwright over a real ``govkg serve`` on
127.0.0.1. Search finds "explainability" across frameworks, the query editor runs a query and
shows rows (and completes prefixes), a framework tree opens, a heatmap cell leads to its
pairs, and no page breaks its Content-Security-Policy. Every wait is bounded.

Screenshots of the main pages are taken on the way (into a temporary folder; set
``GOVKG_SCREENSHOTS=docs/screenshots`` to refresh the ones docs/web.md shows).

A missing Chromium or Playwright fails these tests with a message saying what to install:
they are never skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from web_server import RunningServer, start_server, stop_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: Where Debian's package puts Chromium (``apt-get install chromium``).
CHROMIUM = "/usr/bin/chromium"
#: Headless, as root in a container, and quiet on a closed network: no background
#: networking, component updates, sync or QUIC (each would try to reach Google's hosts).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Longest wait for one page event (ms): pages answer in milliseconds, queries in well under
#: a second on the shipped graph; this only bounds a failure.
WAIT_MS = 15_000
#: CodeMirror ignores Enter on a completion list for its first 75 ms (``interactionDelay``, so
#: a fast typist's Enter is not taken as a choice); a test waits a little longer.
COMPLETION_DELAY_MS = 200
#: A phone's width (CSS pixels): pages must not scroll sideways at it (issue 15, item 6).
PHONE_WIDTH = 360
#: Collects CSP violations (the event of CSP Level 3, section 5.5) in every document.
_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@dataclass
class Console:
    """Console messages and uncaught errors of a page, as they arrive."""

    messages: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """CSP violations, uncaught errors, and any resource other than the page itself that
        failed to load (a missing stylesheet, script or icon)."""
        return [
            m for m in self.messages if re.search(r"Content.Security.Policy|pageerror|^http ", m)
        ]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: "
            "apt-get install -y chromium (.ci/run installs it when absent)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright: pip install '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(build_dir, tmp_path_factory.mktemp("browser") / "server.log")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("GOVKG_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser, server: RunningServer) -> Iterator[tuple[Page, Console]]:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1100, "height": 800}, service_workers="block"
    )
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(_CSP_LISTENER)
    tab = context.new_page()
    console = Console()
    tab.on("console", lambda m: console.messages.append(f"{m.type}: {m.text}"))
    tab.on("pageerror", lambda e: console.messages.append(f"pageerror: {e}"))
    tab.on(
        "response",
        lambda r: (
            console.messages.append(f"http {r.status}: {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    yield tab, console
    context.close()


def _violations(tab: Page) -> list[str]:
    return list(tab.evaluate("window.__cspViolations || []"))


def _shoot(tab: Page, shots: Path, name: str) -> None:
    path = shots / f"{name}.png"
    tab.screenshot(path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# == Search =====================================================================================


def test_search_finds_explainability_across_frameworks(
    page: tuple[Page, Console], shots: Path
) -> None:
    tab, console = page
    tab.goto("/")
    tab.get_by_role("link", name="Search", exact=True).first.click()
    box = tab.get_by_label("Words in a label, notation or text")
    box.fill("explainability")
    box.press("Enter")
    tab.wait_for_url(re.compile(r"/search\?q=explainability"))
    hits = tab.locator("ol.hits > li")
    assert hits.count() >= 5
    frameworks = {m.split(" · ", 1)[-1] for m in tab.locator("ol.hits .meta").all_inner_texts()}
    assert len(frameworks) >= 4, frameworks
    assert tab.locator("ol.hits mark").count() > 0
    _shoot(tab, shots, "search")
    # narrowing to one framework keeps only its hits, and a hit leads to its page
    tab.locator("select[name=framework]").select_option("oecd-ai-principles")
    tab.get_by_role("button", name="Search").click()
    tab.wait_for_url(re.compile(r"framework=oecd-ai-principles"))
    assert hits.count() >= 1
    hits.first.locator("a").first.click()
    tab.wait_for_load_state()
    assert "explainability" in tab.locator("h1").inner_text().lower()
    assert console.problems() == [] and _violations(tab) == []


def test_a_person_finds_what_nist_relates_to_information_integrity(
    page: tuple[Page, Console], server: RunningServer
) -> None:
    """Issue 15, "done when": from the home page, without SPARQL, which AI RMF trustworthiness
    characteristics NIST associates with AI 600-1's "Information Integrity" risk."""
    status, _, body = server.request(
        "GET",
        "/sparql?format=json&query="
        + quote(
            "PREFIX gk: <https://w3id.org/govkg/ontology#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT DISTINCT ?label WHERE { "
            "<https://w3id.org/govkg/id/framework/nist-ai-600-1/information-integrity> ?p ?c . "
            "?c a gk:TrustworthinessCharacteristic ; skos:prefLabel ?label }"
        ),
    )
    assert status == 200
    expected = {b["label"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert len(expected) >= 2
    tab, console = page
    tab.goto("/")
    tab.get_by_role("link", name="Search", exact=True).first.click()
    box = tab.get_by_label("Words in a label, notation or text")
    box.fill("information integrity")
    box.press("Enter")
    tab.locator("ol.hits > li a").first.click()  # the best hit: the risk itself
    tab.wait_for_load_state()
    assert "Information Integrity" in tab.locator("h1").inner_text()
    text = tab.locator("main").inner_text()
    assert {label for label in expected if label in text} == expected
    assert console.problems() == [] and _violations(tab) == []


def test_a_person_finds_which_ai_verify_criteria_reuse_ai_rmf_wording(
    page: tuple[Page, Console], server: RunningServer
) -> None:
    """Issue 15, "done when": from the home page, which AI Verify criteria reuse AI RMF
    wording (the pairs of the text-reuse mapping set, read from the store)."""
    status, _, body = server.request(
        "GET",
        "/sparql?format=json&query="
        + quote(
            "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT DISTINCT ?a ?b WHERE { GRAPH "
            "<https://w3id.org/govkg/graph/crosswalks/ai-verify-ai-rmf-text-reuse> "
            "{ ?m owl:annotatedSource ?s ; owl:annotatedTarget ?o } "
            "?s skos:prefLabel ?a . ?o skos:prefLabel ?b }"
        ),
    )
    assert status == 200
    pairs = {(r["a"]["value"], r["b"]["value"]) for r in json.loads(body)["results"]["bindings"]}
    assert len(pairs) >= 3
    tab, console = page
    tab.goto("/")
    tab.get_by_role("link", name="Crosswalks", exact=True).first.click()
    tab.get_by_role("link", name="AI Verify by AI RMF").first.click()
    tab.wait_for_load_state()
    rows = {
        tuple(row.locator("th, td").all_inner_texts())
        for row in tab.locator("h2#pairs ~ div table tbody tr").all()
    }
    shown = {(cells[0], cells[2]) for cells in rows if len(cells) > 2}
    assert pairs <= shown
    assert console.problems() == [] and _violations(tab) == []


# == The query editor ===========================================================================


def _editor_text(tab: Page) -> str:
    return str(tab.evaluate("window.govkgEditor.state.doc.toString()"))


def test_editor_runs_a_query_and_shows_rows(page: tuple[Page, Console], shots: Path) -> None:
    tab, console = page
    tab.goto("/sparql")
    editor = tab.locator(".cm-content")
    editor.wait_for()
    assert tab.locator("textarea#query").is_hidden()
    assert tab.locator(".cm-editor .tok-keyword, .cm-editor span[class]").count() > 0
    editor.click()
    tab.keyboard.press("Control+a")
    tab.keyboard.press("Delete")
    tab.keyboard.type("SELECT ?f ?label WHERE { ?f a gk")
    tab.keyboard.press("Control+Space")
    option = tab.locator(".cm-tooltip-autocomplete li", has_text="gk:").first
    option.wait_for()
    tab.wait_for_timeout(COMPLETION_DELAY_MS)
    _shoot(tab, shots, "editor-completion")
    tab.keyboard.press("Enter")
    tab.keyboard.type("GovernanceFramework ; skos:prefLabel ?label }")
    text = _editor_text(tab)
    assert text.startswith("PREFIX gk: <https://w3id.org/govkg/ontology#>\n"), text
    # skos: was typed without completion: declare it, completing the declaration after PREFIX
    tab.keyboard.press("Control+Home")
    tab.keyboard.type("PREFIX sk")
    tab.keyboard.press("Control+Space")
    tab.locator(".cm-tooltip-autocomplete li", has_text="skos:").first.wait_for()
    tab.wait_for_timeout(COMPLETION_DELAY_MS)
    tab.keyboard.press("Enter")
    tab.keyboard.press("Enter")
    assert _editor_text(tab).startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
    assert tab.locator("textarea#query").input_value() == _editor_text(tab)
    tab.keyboard.press("Control+Enter")
    rows = tab.locator("#results table.results tr:has(td)")
    rows.first.wait_for()
    frameworks = rows.count()
    assert frameworks >= 7
    assert tab.locator("#results").get_by_text(re.compile(r"^\d+ rows\.")).count() == 1
    assert tab.locator("#results a[href^='/id/framework/']").count() >= frameworks
    assert tab.url.endswith("/sparql")  # shown in the page
    _shoot(tab, shots, "editor")
    assert console.problems() == [] and _violations(tab) == []


def test_editor_takes_a_named_query_as_example(page: tuple[Page, Console]) -> None:
    tab, console = page
    tab.goto("/sparql")
    tab.locator(".cm-content").wait_for()
    example = tab.locator("button.example", has_text="cq09-ai-rmf-structure")
    example.click()
    assert _editor_text(tab) == example.get_attribute("data-query")
    tab.get_by_role("button", name="Run").click()
    tab.locator("#results table.results tr:has(td)").first.wait_for()
    assert tab.locator("#results table.results tr:has(td)").count() >= 4
    # a query error is shown in the page, not as a broken table
    tab.locator(".cm-content").click()
    tab.keyboard.press("Control+a")
    tab.keyboard.type("SELECT WHERE {")
    tab.keyboard.press("Control+Enter")
    tab.locator("#results p.error").wait_for()
    assert tab.locator("#results p.error").inner_text().startswith("400")
    # the keyboard is not trapped: Tab leaves the editor (WCAG 2.1.2) and inserts nothing
    tab.locator(".cm-content").click()
    before = _editor_text(tab)
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.classList.contains('query-editor')") is False
    assert _editor_text(tab) == before
    assert [m for m in console.problems() if "400" not in m] == []
    assert _violations(tab) == []


def test_query_form_works_without_javascript(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto("/sparql")
        assert tab.locator("textarea#query").is_visible()
        tab.get_by_role("button", name="Run").click()
        tab.wait_for_url(re.compile(r"/sparql\?query="))
        assert tab.locator("table.results tr:has(td)").count() >= 7
        tab.goto("/search?q=explainability")
        assert tab.locator("ol.hits > li").count() >= 5
    finally:
        context.close()


# == Framework trees and crosswalks (the pages of issue 15, items 1-3) ==========================


def test_a_framework_tree_expands(page: tuple[Page, Console], shots: Path) -> None:
    tab, console = page
    tab.goto("/frameworks/")
    _shoot(tab, shots, "frameworks")
    tab.get_by_role("link", name=re.compile("AI Risk Management Framework")).first.click()
    tab.wait_for_url(re.compile(r"/frameworks/nist-ai-rmf"))
    groups = tab.locator("main details")
    closed = [i for i in range(groups.count()) if groups.nth(i).get_attribute("open") is None]
    assert closed, "the tree shows no closed group"
    group = groups.nth(closed[0])
    child = group.locator(":scope > ul a").first
    assert not child.is_visible()
    group.locator(":scope > summary").focus()
    tab.keyboard.press("Enter")  # keyboard, not only the mouse
    assert group.get_attribute("open") is not None
    child.wait_for(state="visible")
    _shoot(tab, shots, "framework")
    child.click()
    tab.wait_for_load_state()
    assert tab.locator("nav.breadcrumb a[href='/frameworks/']").count() == 1
    assert console.problems() == [] and _violations(tab) == []


def test_a_heatmap_cell_leads_to_its_pairs(page: tuple[Page, Console], shots: Path) -> None:
    tab, console = page
    tab.goto("/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0")
    cell = tab.locator("table.heatmap td a").first
    count = int(cell.inner_text())
    assert count > 0
    _shoot(tab, shots, "crosswalk")
    cell.click()
    tab.wait_for_load_state()
    assert tab.locator("table.heatmap td.selected").count() == 1
    heading = tab.locator("h2#pairs")
    assert heading.inner_text().startswith("Pairs of")
    summary = heading.locator("xpath=following-sibling::p[1]").inner_text()
    shown = int(summary.split()[0])
    assert shown >= count  # a cell counts elements of A; each has one pair or more
    assert console.problems() == [] and _violations(tab) == []


# == Every page keeps to its Content-Security-Policy and fits a phone ============================

PAGES = (
    "/",
    "/search",
    "/search?q=information+integrity",
    "/sparql",
    "/queries/",
    "/queries/cq09-ai-rmf-structure",
    "/ontology",
    "/downloads/",
    "/id/framework/nist-ai-rmf-1-0",
    "/frameworks/",
    "/frameworks/nist-ai-rmf-1-0",
    "/frameworks/nist-ai-600-1/information-integrity",
    "/crosswalks/",
    "/crosswalks/nist-ai-600-1/nist-ai-rmf-1-0",
    "/no-such-page",
)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_violates_its_content_security_policy(
    page: tuple[Page, Console], path: str
) -> None:
    tab, console = page
    response = tab.goto(path)
    assert response is not None
    assert response.status == (404 if path == "/no-such-page" else 200)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    if path == "/sparql":
        tab.locator(".cm-content").wait_for()  # the editor ran
    tab.wait_for_load_state("networkidle")
    assert _violations(tab) == []
    assert console.problems() == []


@pytest.mark.parametrize("path", ["/", "/search?q=explainability", "/sparql"])
def test_pages_fit_a_phone(browser: Browser, server: RunningServer, path: str) -> None:
    context = browser.new_context(
        base_url=server.url, viewport={"width": PHONE_WIDTH, "height": 740}, is_mobile=True
    )
    try:
        tab = context.new_page()
        tab.goto(path)
        tab.wait_for_load_state("networkidle")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{path} is {width} px wide at {PHONE_WIDTH}"
    finally:
        context.close()


# == Contrast (WCAG 2.1 AA, success criterion 1.4.3) ===========================================

#: The relative luminance and contrast ratio of WCAG 2.1 (definitions "relative luminance" and
#: "contrast ratio"), over every element that holds text, in the page and in the editor's
#: shadow root; a background with transparency is composed over the one behind it.
_CONTRAST = """
() => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return m.length > 3 ? m : [...m, 1];
  };
  const over = (top, below) => top.slice(0, 3).map((v, i) => v * top[3] + below[i] * (1 - top[3]));
  const lum = (rgb) => {
    const linear = (v) => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    const [r, g, b] = rgb.map(linear);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const up = (e) => e.parentElement || (e.getRootNode() && e.getRootNode().host);
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = up(e)) chain.push(e);
    let rgb = [255, 255, 255];
    for (const e of chain.reverse()) rgb = over(parse(getComputedStyle(e).backgroundColor), rgb);
    return rgb;
  };
  const hosts = [...document.querySelectorAll("*")].filter((e) => e.shadowRoot);
  const worst = [];
  for (const root of [document, ...hosts.map((e) => e.shadowRoot)]) {
    for (const el of root.querySelectorAll("*")) {
      const texts = [...el.childNodes].filter((n) => n.nodeType === 3);
      const text = texts.map((n) => n.textContent).join("").trim();
      const style = getComputedStyle(el);
      if (!text || !el.getBoundingClientRect().width || style.visibility === "hidden") continue;
      const bg = background(el);
      const [a, b] = [lum(over(parse(style.color), bg)), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        worst.push(`${el.tagName}.${el.className} "${text.slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
    }
  }
  return worst;
}
"""


def test_search_and_editor_text_meets_wcag_aa_contrast(page: tuple[Page, Console]) -> None:
    tab, _ = page
    tab.goto("/search?q=explainability")
    assert tab.evaluate(_CONTRAST) == []
    tab.goto("/sparql")
    tab.locator(".cm-content").click()
    assert tab.evaluate(_CONTRAST) == []  # highlighted query, line numbers, active line
    tab.keyboard.press("Control+a")
    tab.keyboard.press("Delete")
    assert tab.evaluate(_CONTRAST) == []  # the placeholder
    tab.keyboard.type("SELECT ?x WHERE { ?x a sk")
    tab.locator(".cm-tooltip-autocomplete li").first.wait_for()
    assert tab.evaluate(_CONTRAST) == []  # the completion list, its selected option


# == The vendored editor is what its source and lock file build ==================================

EDITOR_SOURCE = Path(__file__).parent.parent / "tools" / "editor"
VENDOR = Path(__file__).parent.parent / "src" / "govkg" / "web" / "static" / "vendor"


def test_the_vendored_editor_is_built_from_its_source_and_lock() -> None:
    """VERSIONS.md records the hashes of what ``tools/editor/build.sh`` bundled and every
    package of the lock with its version and integrity; a change without a rebuild fails."""
    versions = (VENDOR / "codemirror" / "VERSIONS.md").read_text(encoding="utf-8")
    for name in ("src/editor.js", "package-lock.json"):
        digest = hashlib.sha256((EDITOR_SOURCE / name).read_bytes()).hexdigest()
        assert f"`tools/editor/{name}` sha256 `{digest}`" in versions, f"rebuild: {name} changed"
    lock = json.loads((EDITOR_SOURCE / "package-lock.json").read_text(encoding="utf-8"))
    bundled = {
        path.removeprefix("node_modules/"): info
        for path, info in lock["packages"].items()
        if path.startswith("node_modules/") and "esbuild" not in path
    }
    rows = dict(re.findall(r"^\| (\S+) \| (\S+) \| \S+ \| `[^`]+` \|$", versions, re.M))
    assert rows == {name: info["version"] for name, info in bundled.items()}
    licences = (VENDOR / "codemirror" / "LICENSE").read_text(encoding="utf-8")
    for name, info in bundled.items():
        assert f"`{info['integrity']}`" in versions
        assert f"== {name} {info['version']} (MIT) ==" in licences  # all MIT today
