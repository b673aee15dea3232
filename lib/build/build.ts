/**
 * `deno task build`: regenerates the route manifest, bundles the islands for
 * the browser into content-hashed files under `static/build/`, and writes
 * `static/build/manifest.json`, which the server reads to emit hashed URLs.
 *
 * `--if-stale` skips the bundling when the sources the last build read are
 * unchanged (what `deno task start` runs).
 *
 * @module
 */
import { type AssetManifest, readAssetManifest } from "../render/assets.ts";
import { bundleClient, type IslandSize } from "./client_bundle.ts";
import { scanIslandFiles, writeRoutesManifest } from "./routes_manifest.ts";
import { hashSources, moduleGraph } from "./sources.ts";

/** Where a build reads and writes. */
export interface BuildPaths {
  root: URL;
  islands: URL;
  styles: URL[];
  outDir: URL;
  publicPath: string;
}

const ROOT = new URL("../../", import.meta.url);

/** This project's paths. */
export const BUILD_PATHS: BuildPaths = {
  root: ROOT,
  islands: new URL("islands/", ROOT),
  styles: [new URL("static/app.css", ROOT)],
  outDir: new URL("static/build/", ROOT),
  publicPath: "/static/build/",
};

/** What {@linkcode buildClient} did. */
export interface BuildReport {
  skipped: boolean;
  manifest: AssetManifest;
  sizes: Record<string, IslandSize>;
}

/** The hash of everything the client build reads. */
export async function clientSourceHash(paths: BuildPaths): Promise<string> {
  const files: URL[] = [
    ...paths.styles,
    new URL("deno.json", paths.root),
    new URL("deno.lock", paths.root),
  ];
  const npm = new Set<string>();
  for await (const entry of Deno.readDir(new URL("lib/build/", ROOT))) {
    if (entry.isFile && !entry.name.endsWith("_test.ts")) {
      files.push(new URL(`lib/build/${entry.name}`, ROOT));
    }
  }
  const roots = [
    new URL("lib/render/hydrate.ts", ROOT),
    ...(await scanIslandFiles(paths.islands)).map((i) => i.url),
  ];
  for (const root of roots) {
    const graph = await moduleGraph(root, paths.root);
    for (const f of graph.files) files.push(new URL(f));
    for (const p of graph.npm) npm.add(p);
  }
  // The island list itself matters too (a removed island leaves no file).
  const names = roots.map((r) => `root ${r.href}`);
  return await hashSources(files, [
    ...names,
    ...[...npm].map((p) => `npm ${p}`),
  ]);
}

/** The files a manifest names in `outDir`, with their `.gz` twins. */
function manifestFiles(
  manifest: AssetManifest | null,
  publicPath: string,
): string[] {
  if (!manifest) return [];
  const urls = [...manifest.styles];
  for (const island of Object.values(manifest.islands)) {
    urls.push(island.src, ...island.preload);
  }
  return urls.filter((u) => u.startsWith(publicPath))
    .map((u) => u.slice(publicPath.length))
    .flatMap((file) => [file, `${file}.gz`]);
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/**
 * Builds the client into `paths.outDir`. With `ifStale`, returns early when
 * the manifest there was built from the same sources and its files exist.
 * Files of the previous build stay (pages already open may still load
 * them); older ones are removed.
 */
export async function buildClient(
  paths: BuildPaths,
  options: { ifStale?: boolean } = {},
): Promise<BuildReport> {
  const manifestUrl = new URL("manifest.json", paths.outDir);
  const previous = readAssetManifest(manifestUrl);
  const sourceHash = await clientSourceHash(paths);
  if (options.ifStale && previous?.sourceHash === sourceHash) {
    const present = await Promise.all(
      manifestFiles(previous, paths.publicPath).map((f) =>
        exists(new URL(f, paths.outDir))
      ),
    );
    if (present.every(Boolean)) {
      return { skipped: true, manifest: previous, sizes: {} };
    }
  }
  const islands = Object.fromEntries(
    (await scanIslandFiles(paths.islands)).map((i) => [i.name, i.url]),
  );
  const result = await bundleClient({ ...paths, islands, sourceHash });
  // Write the manifest last and atomically: a server never sees a manifest
  // naming files that are not there yet.
  const temp = new URL(
    `manifest.json.${crypto.randomUUID()}.tmp`,
    paths.outDir,
  );
  await Deno.writeTextFile(
    temp,
    JSON.stringify(result.manifest, null, 2) + "\n",
  );
  await Deno.rename(temp, manifestUrl);

  const keep = new Set([
    "manifest.json",
    ...result.files,
    ...manifestFiles(previous, paths.publicPath),
  ]);
  for await (const entry of Deno.readDir(paths.outDir)) {
    if (entry.isFile && !keep.has(entry.name) && !entry.name.startsWith(".")) {
      await Deno.remove(new URL(entry.name, paths.outDir));
    }
  }
  return { skipped: false, manifest: result.manifest, sizes: result.sizes };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.main) {
  const ifStale = Deno.args.includes("--if-stale");
  const unknown = Deno.args.filter((a) => a !== "--if-stale");
  if (unknown.length > 0) {
    console.error(
      `Unknown arguments: ${
        unknown.join(" ")
      }\nUsage: deno task build [--if-stale]`,
    );
    Deno.exit(2);
  }
  const started = performance.now();
  if (await writeRoutesManifest()) {
    console.log("Updated lib/generated/routes.gen.ts");
  }
  const report = await buildClient(BUILD_PATHS, { ifStale });
  if (report.skipped) {
    console.log("Client build is up to date.");
  } else {
    for (const [name, size] of Object.entries(report.sizes)) {
      console.log(
        `${name}: ${kb(size.bytes)} minified, ${kb(size.gzipBytes)} gzipped (${
          size.files.join(", ")
        })`,
      );
    }
    console.log(
      `Built static/build/ in ${Math.round(performance.now() - started)} ms.`,
    );
  }
}
