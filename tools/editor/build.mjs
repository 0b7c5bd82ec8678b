// Bundles src/editor.js with its CodeMirror packages into one minified file, and copies the
// packages' licences beside it (run: npm ci && npm run build).
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createHash } from "node:crypto";

const out = new URL("../../src/govkg/web/static/vendor/codemirror/", import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/editor.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  outfile: new URL("editor.min.js", out).pathname,
});
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const bundled = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith("node_modules/") && !path.includes("esbuild"))
  .map(([path, info]) => ({ name: path.slice("node_modules/".length), ...info }))
  .sort((a, b) => a.name.localeCompare(b.name));
let licences = "";
for (const pkg of bundled) {
  let text;
  for (const file of ["LICENSE", "LICENSE.md", "LICENSE.txt"]) {
    try { text = readFileSync(`node_modules/${pkg.name}/${file}`, "utf8"); break; } catch { /* next */ }
  }
  licences += `== ${pkg.name} ${pkg.version} (${pkg.license}) ==\n\n${text ?? `${pkg.license} (no licence file in the package)`}\n\n`;
}
writeFileSync(new URL("LICENSE", out), licences);
const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const rows = bundled.map((p) => `| ${p.name} | ${p.version} | ${p.license} | \`${p.integrity}\` |`).join("\n");
writeFileSync(new URL("VERSIONS.md", out), `# Vendored: the query editor (CodeMirror 6)

\`editor.min.js\` is generated: \`tools/editor/src/editor.js\` bundled by esbuild with the
npm packages below (versions and integrity hashes from \`tools/editor/package-lock.json\`).
Do not edit it by hand; rebuild with \`tools/editor/build.sh\` (needs Node.js and npm; the
packages come from the npm registry, \`node_modules/\` is never committed). Their licences
are in \`LICENSE\`. Nothing is loaded from a CDN at run time.

Built from (tests/test_browser.py checks these against the files, so a source change without
a rebuild fails the tests):

- \`tools/editor/src/editor.js\` sha256 \`${sha256("src/editor.js")}\`
- \`tools/editor/package-lock.json\` sha256 \`${sha256("package-lock.json")}\`

| package | version | licence | integrity |
|---|---|---|---|
${rows}
`);
