/* Minified copies of our own scripts and stylesheets, which the app and nginx send in their place
 * (`make assets` runs it; geotour/web/assets.py and deploy/nginx.conf.in send them).
 *
 *     node scripts/minify.mjs static static/min
 *
 * A copy is named after its source's fingerprint, the ?v= of the source's URL (the first 12 hex digits of
 * its SHA-256, as geotour.web.assets.fingerprint computes it): static/js/map/popups.js becomes
 * static/min/js/map/popups.<fingerprint>.js. A copy is thus never stale: a source edited since the last
 * run has a new fingerprint and no copy yet, and its URL sends the source itself until the next run. Copies
 * whose source has changed are removed (with their .br and .gz forms).
 *
 * esbuild drops comments and whitespace and shortens the syntax, and keeps every name, so a stack trace
 * from a phone still reads; it neither bundles nor lowers the syntax: the modules stay the modules. Our
 * scripts weigh 72 kB at the gzip level nginx uses on the fly, 43 kB minified at gzip's highest. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import { transformSync } from "esbuild";

const FOLDERS = ["js", "css"]; // under the static folder: ours (static/vendor holds the libraries)
const FINGERPRINT = 12; // hex digits, as geotour/web/assets.py

function* files(folder) {
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** Return the copy's path under the output folder: the source's, with its fingerprint before the suffix. */
export function copyName(relativePath, source) {
  const fingerprint = createHash("sha256").update(source).digest("hex").slice(0, FINGERPRINT);
  const suffix = extname(relativePath);
  return relativePath.slice(0, -suffix.length) + "." + fingerprint + suffix;
}

/** Return the minified text of a script (.js) or a stylesheet (.css). */
export function minify(text, suffix, name) {
  const options = { loader: suffix.slice(1), minifyWhitespace: true, sourcefile: name, logLevel: "error" };
  // A stylesheet loses only comments and spaces: what a rule means is left exactly as written.
  if (suffix === ".js") options.minifySyntax = true;
  return transformSync(text, options).code;
}

function main(staticFolder, outFolder) {
  const wanted = new Set();
  let made = 0;
  for (const folder of FOLDERS) {
    for (const path of files(join(staticFolder, folder))) {
      const suffix = extname(path);
      if (suffix !== ".js" && suffix !== ".css") continue;
      const source = readFileSync(path);
      const name = copyName(relative(staticFolder, path).split(sep).join("/"), source);
      wanted.add(name);
      const target = join(outFolder, name);
      if (existsSync(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      const partial = target + ".part";
      writeFileSync(partial, minify(source.toString("utf8"), suffix, name)); // whole, then renamed in place
      renameSync(partial, target);
      made += 1;
    }
  }
  let removed = 0;
  for (const path of [...files(outFolder)]) {
    const name = relative(outFolder, path).split(sep).join("/");
    if (name.startsWith(".")) continue; // the folder's stamp
    if (!wanted.has(name.replace(/\.(br|gz)$/, ""))) {
      rmSync(path);
      removed += 1;
    }
  }
  console.log(`minify: ${wanted.size} copies in ${outFolder} (${made} new, ${removed} files removed)`);
}

if (process.argv[1]?.endsWith("minify.mjs")) {
  // run as a script (tests import copyName and minify)
  const [staticFolder, outFolder] = process.argv.slice(2);
  if (!staticFolder || !outFolder) {
    console.error("usage: node scripts/minify.mjs STATIC_FOLDER OUT_FOLDER");
    process.exit(2);
  }
  main(staticFolder, outFolder);
}
