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
 * from a phone still reads; it does not lower the syntax, and bundles only where a table says so: the
 * modules stay the modules. Our scripts weigh 72 kB at the gzip level nginx uses on the fly, 43 kB minified
 * at gzip's highest.
 *
 * The table (geotour/web/bundles.json, the third argument) names entries whose copy is a bundle: the entry
 * with the modules it lists ({name in the import map: file}) inside, every other module it imports left
 * to the import map. Such a copy is named after the content of all its files, in the table's order, as the
 * server names its URL (geotour.web.assets.fingerprint); a bundle that would hold a file the table does
 * not list, or lacks one it lists, is an error. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { build, transformSync } from "esbuild";

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

/** Return the copy's path under the output folder: the source's, with its fingerprint before the suffix.
 * `source` is the file's content, or a bundle's files' contents in the table's order. */
export function copyName(relativePath, source) {
  const hash = createHash("sha256");
  for (const part of [source].flat()) hash.update(part);
  const fingerprint = hash.digest("hex").slice(0, FINGERPRINT);
  const suffix = extname(relativePath);
  return relativePath.slice(0, -suffix.length) + "." + fingerprint + suffix;
}

/** Return the minified bundle of `entry` (a path) holding the modules `inside` names ({name: path}); any
 * other module it imports by name stays an import. Throws when the bundle holds other files than those. */
export async function bundle(entry, inside) {
  const wanted = new Map(Object.entries(inside).map(([name, path]) => [name, resolve(path)]));
  const held = {
    name: "geotour-bundle",
    setup(esbuild) {
      esbuild.onResolve({ filter: /^geotour\// }, (args) =>
        wanted.has(args.path) ? { path: wanted.get(args.path) } : { path: args.path, external: true },
      );
    },
  };
  const made = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    write: false,
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [held],
    logLevel: "error",
  });
  const inputs = Object.keys(made.metafile.inputs).map((path) => resolve(path));
  const listed = [entry, ...wanted.values()].map((path) => resolve(path));
  const extra = inputs.filter((path) => !listed.includes(path));
  const missing = listed.filter((path) => !inputs.includes(path));
  if (extra.length || missing.length)
    throw new Error(
      `the bundle of ${entry} would hold ${extra.join(", ") || "nothing unlisted"}` +
        ` and lacks ${missing.join(", ") || "nothing listed"}: see its table`,
    );
  return made.outputFiles[0].text;
}

/** Return the minified text of a script (.js) or a stylesheet (.css). */
export function minify(text, suffix, name) {
  const options = { loader: suffix.slice(1), minifyWhitespace: true, sourcefile: name, logLevel: "error" };
  // A stylesheet loses only comments and spaces: what a rule means is left exactly as written.
  if (suffix === ".js") options.minifySyntax = true;
  return transformSync(text, options).code;
}

async function main(staticFolder, outFolder, tablePath) {
  const bundles = tablePath ? JSON.parse(readFileSync(tablePath, "utf8")) : {};
  const wanted = new Set();
  let made = 0;
  for (const folder of FOLDERS) {
    for (const path of files(join(staticFolder, folder))) {
      const suffix = extname(path);
      if (suffix !== ".js" && suffix !== ".css") continue;
      const relativePath = relative(staticFolder, path).split(sep).join("/");
      const inside = bundles[relativePath];
      const inPaths = Object.fromEntries(
        Object.entries(inside || {}).map(([module, file]) => [module, join(staticFolder, file)]),
      );
      const sources = [path, ...Object.values(inPaths)].map((file) => readFileSync(file));
      const name = copyName(relativePath, sources);
      wanted.add(name);
      const target = join(outFolder, name);
      if (existsSync(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      const partial = target + ".part";
      const text = inside ? await bundle(path, inPaths) : minify(sources[0].toString("utf8"), suffix, name);
      writeFileSync(partial, text); // whole, then renamed in place
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
  const [staticFolder, outFolder, tablePath] = process.argv.slice(2);
  if (!staticFolder || !outFolder) {
    console.error("usage: node scripts/minify.mjs STATIC_FOLDER OUT_FOLDER [BUNDLES_JSON]");
    process.exit(2);
  }
  await main(staticFolder, outFolder, tablePath);
}
