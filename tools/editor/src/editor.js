// The govkg query editor: CodeMirror 6 over the /sparql form's textarea (progressive
// enhancement: without this script the textarea and the form work as they are).
//
// Reads from the page, never from inline script (the CSP allows script-src 'self' only):
//   textarea#query[data-prefixes]  JSON object {prefix: namespace IRI} offered for completion
//   button.example[data-query]     the named queries, put into the editor when pressed
//   form#query-form                submitted with fetch when "HTML table" is chosen; the
//                                  server's own results table is shown in section#results
import { EditorView, keymap, lineNumbers, highlightActiveLine, placeholder } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

const KEYWORDS = [
  "SELECT", "DISTINCT", "REDUCED", "WHERE", "OPTIONAL", "FILTER", "UNION", "MINUS", "GRAPH",
  "FROM", "NAMED", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "VALUES", "BIND",
  "ASK", "CONSTRUCT", "DESCRIBE", "PREFIX", "BASE", "NOT EXISTS", "EXISTS", "COUNT", "SAMPLE",
  "GROUP_CONCAT", "STR", "LANG", "LANGMATCHES", "REGEX", "CONTAINS", "STRSTARTS", "COALESCE",
  "IF", "BOUND", "isIRI", "isLiteral", "ASC", "DESC",
];

function prefixDeclared(doc, prefix) {
  return new RegExp(`^\\s*PREFIX\\s+${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`, "im").test(doc);
}

// Completion of govkg's prefixes (inserting the PREFIX line when missing) and SPARQL keywords.
function completions(prefixes) {
  const names = Object.keys(prefixes).sort();
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const declaring = /^\s*PREFIX\s+([\w-]*)$/i.exec(before);
    if (declaring) {
      return {
        from: context.pos - declaring[1].length,
        options: names.map((p) => ({ label: `${p}:`, detail: prefixes[p], type: "namespace",
          apply: `${p}: <${prefixes[p]}>` })),
        validFor: /^[\w-]*$/,
      };
    }
    const word = context.matchBefore(/[A-Za-z_][\w-]*:?/);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const options = names.map((p) => ({
      label: `${p}:`, detail: prefixes[p], type: "namespace",
      apply: (view, completion, from, to) => {
        const declaration = `PREFIX ${p}: <${prefixes[p]}>\n`;
        const missing = !prefixDeclared(view.state.doc.toString(), p);
        const changes = [{ from, to, insert: `${p}:` }];
        if (missing) changes.unshift({ from: 0, insert: declaration });
        const anchor = from + `${p}:`.length + (missing ? declaration.length : 0);
        view.dispatch({ changes, selection: { anchor }, userEvent: "input.complete" });
      },
    }));
    if (!word.text.includes(":")) {
      for (const k of KEYWORDS) options.push({ label: k, type: "keyword" });
    }
    return { from: word.from, options, validFor: /^[\w-]*:?$/ };
  };
}

async function runInPage(form, view, results) {
  const params = new URLSearchParams(new FormData(form));
  params.set("query", view.state.doc.toString());
  results.setAttribute("aria-busy", "true");
  results.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Running…" }));
  try {
    const response = await fetch(`${form.action}?${params}`, { headers: { Accept: "text/html" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main");
    const nodes = main ? [...main.children].filter((n) => n.tagName !== "H1" && n.tagName !== "DETAILS") : [];
    if (!response.ok) {
      const message = document.createElement("p");
      message.className = "error";
      const said = nodes.map((n) => n.textContent.trim()).filter(Boolean).join(" ");
      message.textContent = `${response.status}: ${said || response.statusText}`;
      results.replaceChildren(message);
    } else {
      results.replaceChildren(...nodes.map((n) => document.importNode(n, true)));
    }
  } catch (error) {
    results.replaceChildren(Object.assign(document.createElement("p"), { className: "error", textContent: String(error) }));
  } finally {
    results.removeAttribute("aria-busy");
  }
}

// Typing over a selection that spans highlighted tokens: Chromium's own editing replaces it
// with a <span style="..."> carrying the deleted text's colour, which the page's CSP blocks
// (style-src-attr) before CodeMirror redraws the line. Insert that text through CodeMirror
// instead, running its input handlers (bracket closing) as a typed character would.
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    const { selection } = view.state;
    if (event.inputType !== "insertText" || !event.data || view.composing ||
        selection.ranges.length !== 1 || selection.main.empty) return false;
    event.preventDefault();
    const { from, to } = selection.main;
    const text = event.data;
    const insert = () => view.state.update({
      changes: { from, to, insert: text }, selection: { anchor: from + text.length },
      userEvent: "input.type", scrollIntoView: true,
    });
    if (!view.state.facet(EditorView.inputHandler).some((h) => h(view, from, to, text, insert))) {
      view.dispatch(insert());
    }
    return true;
  },
});

function enhance() {
  const textarea = document.getElementById("query");
  if (!textarea) return;
  const form = textarea.form;
  const prefixes = JSON.parse(textarea.dataset.prefixes || "{}");
  // The editor lives in a shadow root: CodeMirror then styles it with a constructed
  // stylesheet (adoptedStyleSheets) instead of a <style> element, which the page's
  // Content-Security-Policy (style-src 'self', no 'unsafe-inline') would block.
  const host = document.createElement("div");
  host.className = "query-editor";
  const shadow = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root: shadow,
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        typeOverSelection, lineNumbers(), history(), highlightActiveLine(), bracketMatching(), closeBrackets(),
        highlightSelectionMatches(), placeholder("SELECT … WHERE { … }"),
        StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [completions(prefixes)], activateOnTyping: true }),
        keymap.of([
          { key: "Mod-Enter", run: () => { form.requestSubmit(); return true; } },
          ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap, ...completionKeymap,
        ]),
        EditorView.theme({
          "&": { border: "1px solid #767676", fontSize: "14px", backgroundColor: "#fff" },
          "&.cm-focused": { outline: "2px solid #20344f" },
          // WCAG 2.1 AA contrast (4.5:1): CodeMirror's placeholder grey (#888) has 3.5:1
          ".cm-placeholder": { color: "#595959" },
          ".cm-scroller": { fontFamily: "ui-monospace, monospace", minHeight: "14em", maxHeight: "32em" },
        }),
        EditorView.contentAttributes.of({ "aria-label": "SPARQL query", "aria-describedby": "editor-help" }),
        EditorView.updateListener.of((update) => { if (update.docChanged) textarea.value = update.state.doc.toString(); }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.insertAdjacentElement("afterend", host);
  shadow.appendChild(view.dom);
  const help = document.getElementById("editor-help");
  if (help) help.hidden = false;
  const results = document.getElementById("results");
  form.addEventListener("submit", (event) => {
    textarea.value = view.state.doc.toString();
    if (results && form.elements.format.value === "html") {
      event.preventDefault();
      runInPage(form, view, results);
    }
  });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.example");
    if (!button) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: button.dataset.query } });
    view.focus();
    view.dom.scrollIntoView({ block: "nearest" });
  });
  window.govkgEditor = view;  // for the browser tests and the console
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
else enhance();
