// Builds the field app into dist/ (served by server/field at /field/): one minified bundle with a
// content hash, the stylesheet, the manifest, the icon and a service worker listing this build's files.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const tmp = join(root, "dist.tmp");
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, "assets"), { recursive: true });

const hash = (buf) => createHash("sha256").update(buf).digest("hex").slice(0, 12);
const result = await build({
  entryPoints: [join(root, "src/app.js")], bundle: true, minify: true, format: "esm", target: "es2020",
  write: false, legalComments: "none", define: { "process.env.NODE_ENV": '"production"', global: "globalThis" }, logLevel: "warning",
});
const js = Buffer.from(result.outputFiles[0].contents);
const jsName = `app-${hash(js)}.js`;
writeFileSync(join(tmp, "assets", jsName), js);
const css = readFileSync(join(root, "static/app.css"));
const cssName = `app-${hash(css)}.css`;
writeFileSync(join(tmp, "assets", cssName), css);
copyFileSync(join(root, "static/icon.svg"), join(tmp, "assets/icon.svg"));
copyFileSync(join(root, "static/manifest.webmanifest"), join(tmp, "manifest.webmanifest"));
const html = readFileSync(join(root, "static/index.html"), "utf8").replace("__CSS__", cssName).replace("__JS__", jsName);
writeFileSync(join(tmp, "index.html"), html);
const shell = ["/field/", "/field/manifest.webmanifest", `/field/assets/${jsName}`, `/field/assets/${cssName}`, "/field/assets/icon.svg"];
const version = hash(Buffer.concat([js, css, Buffer.from(html)]));
const sw = readFileSync(join(root, "static/sw.js"), "utf8").replace("__VERSION__", version).replace("__SHELL__", JSON.stringify(shell));
writeFileSync(join(tmp, "sw.js"), sw);
let raw = 0, gz = 0;
for (const f of [["index.html"], ["sw.js"], ["manifest.webmanifest"], ["assets", jsName], ["assets", cssName], ["assets", "icon.svg"]]) {
  const buf = readFileSync(join(tmp, ...f));
  raw += buf.length; gz += gzipSync(buf, { level: 9 }).length;
}
writeFileSync(join(tmp, "build.json"), JSON.stringify({ version, shell, bytes: raw, gzip_bytes: gz }, null, 2));
rmSync(dist, { recursive: true, force: true });
// rename is atomic enough for a dev server: the old build serves until the new one is complete
(await import("node:fs")).renameSync(tmp, dist);
console.log(`fieldapp: built ${version}: ${jsName} ${(js.length / 1024).toFixed(0)} KB; shell ${(raw / 1024).toFixed(0)} KB, ${(gz / 1024).toFixed(0)} KB gzip`);
void readdirSync;
