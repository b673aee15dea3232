/**
 * The client build: one browser entry per island (the hydration runtime plus
 * that island), bundled with `deno bundle` (minified, code-split so pages
 * with several islands share one copy of Preact), then renamed to
 * content-hashed files and described in an {@linkcode AssetManifest}.
 *
 * @module
 */
import type { AssetManifest, IslandAsset } from "../render/assets.ts";
import { contentHash, gzip, hashedName } from "./hash.ts";

/** Inputs and outputs of {@linkcode bundleClient}. */
export interface BundleOptions {
  /** Project root: the directory holding `deno.json`. */
  root: URL;
  /** Island modules by name. */
  islands: Record<string, URL>;
  /** Stylesheets to copy, hashed, in order. */
  styles: URL[];
  /** Where the hashed files go (created if missing). */
  outDir: URL;
  /** URL prefix the server serves `outDir` under, ending in `/`. */
  publicPath: string;
  /** Stored in the manifest for `--if-stale`. */
  sourceHash: string;
}

/** Size of one island's JavaScript: its entry plus every chunk it imports. */
export interface IslandSize {
  files: string[];
  bytes: number;
  gzipBytes: number;
}

/** What {@linkcode bundleClient} produced. */
export interface BundleResult {
  manifest: AssetManifest;
  /** Every file written to `outDir`, by name. */
  files: string[];
  sizes: Record<string, IslandSize>;
}

const RUNTIME = new URL("../render/hydrate.ts", import.meta.url);
const CHUNK_IMPORT = /(?:from|import)\s*"\.\/(chunk-[A-Za-z0-9_-]+\.js)"/g;

/** The generated entry module of one island. */
export function entrySource(name: string, island: URL): string {
  return [
    `import { hydrateIslands } from ${JSON.stringify(RUNTIME.href)};`,
    `import Island from ${JSON.stringify(island.href)};`,
    `hydrateIslands(${JSON.stringify(name)}, Island);`,
    "",
  ].join("\n");
}

/** The chunk files `code` imports directly. */
export function chunkImports(code: string): string[] {
  return [...new Set(Array.from(code.matchAll(CHUNK_IMPORT), (m) => m[1]))];
}

/**
 * The configuration the browser bundle is compiled with: the project's
 * imports, but JSX compiled for the DOM (`react-jsx`). The project's
 * `precompile` transform emits HTML string templates, which only the server
 * renderer understands.
 */
export async function browserConfig(root: URL): Promise<string> {
  const project = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", root)),
  ) as {
    imports?: Record<string, string>;
    compilerOptions?: Record<string, unknown>;
  };
  return JSON.stringify({
    imports: project.imports ?? {},
    compilerOptions: {
      ...project.compilerOptions,
      jsx: "react-jsx",
      jsxImportSource: "preact",
    },
    lock: false,
  });
}

async function runBundle(
  root: URL,
  config: string,
  entries: string[],
  outDir: string,
): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--config",
      config,
      "--platform=browser",
      "--format=esm",
      "--minify",
      "--code-splitting",
      "--outdir",
      outDir,
      ...entries,
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

/**
 * Bundles the islands and copies the styles into `outDir` under hashed
 * names, and returns the manifest (not yet written; see `build.ts`).
 */
export async function bundleClient(
  options: BundleOptions,
): Promise<BundleResult> {
  const work = await Deno.makeTempDir({ prefix: "chat_build_" });
  try {
    const names = Object.keys(options.islands).sort();
    const entries: string[] = [];
    for (const name of names) {
      const path = `${work}/entries/${name}.ts`;
      await Deno.mkdir(`${work}/entries`, { recursive: true });
      await Deno.writeTextFile(path, entrySource(name, options.islands[name]));
      entries.push(path);
    }
    const raw = `${work}/out`;
    const config = `${work}/deno.json`;
    await Deno.writeTextFile(config, await browserConfig(options.root));
    if (entries.length > 0) await runBundle(options.root, config, entries, raw);
    await Deno.mkdir(options.outDir, { recursive: true });

    const files: string[] = [];
    // Each file also gets a gzipped twin the static route serves when accepted.
    const emit = async (name: string, bytes: Uint8Array) => {
      await Deno.writeFile(new URL(name, options.outDir), bytes);
      await Deno.writeFile(
        new URL(`${name}.gz`, options.outDir),
        await gzip(bytes),
      );
      files.push(name, `${name}.gz`);
    };
    const code = new Map<string, Uint8Array>();
    // esbuild already names chunks by content hash; only entries need one.
    const read = async (file: string) => {
      let bytes = code.get(file);
      if (!bytes) code.set(file, bytes = await Deno.readFile(`${raw}/${file}`));
      return bytes;
    };
    const closure = async (
      file: string,
      seen = new Set<string>(),
    ): Promise<Set<string>> => {
      for (
        const chunk of chunkImports(new TextDecoder().decode(await read(file)))
      ) {
        if (!seen.has(chunk)) {
          seen.add(chunk);
          await closure(chunk, seen);
        }
      }
      return seen;
    };

    const islands: Record<string, IslandAsset> = {};
    const sizes: Record<string, IslandSize> = {};
    for (const name of names) {
      const entry = `${name}.js`;
      const bytes = await read(entry);
      const out = hashedName(entry, await contentHash(bytes));
      await emit(out, bytes);
      const chunks = [...await closure(entry)].sort();
      islands[name] = {
        src: options.publicPath + out,
        preload: chunks.map((c) => options.publicPath + c),
      };
      const all = [bytes, ...await Promise.all(chunks.map(read))];
      // Each file is fetched (and gzipped) separately, so sizes add up per file.
      const gzipped = await Promise.all(
        all.map(async (b) => (await gzip(b)).byteLength),
      );
      sizes[name] = {
        files: [out, ...chunks],
        bytes: all.reduce((n, b) => n + b.byteLength, 0),
        gzipBytes: gzipped.reduce((n, b) => n + b, 0),
      };
    }
    // The chunks, and the modules islands import dynamically (on demand, so
    // they count in no island's size), as esbuild named them (content hashes).
    const entryFiles = new Set(names.map((name) => `${name}.js`));
    for await (const file of Deno.readDir(raw)) {
      if (!file.isFile || entryFiles.has(file.name)) continue;
      await emit(file.name, await read(file.name));
    }

    const styles: string[] = [];
    for (const style of options.styles) {
      const bytes = await Deno.readFile(style);
      const base = style.pathname.slice(style.pathname.lastIndexOf("/") + 1);
      const out = hashedName(base, await contentHash(bytes));
      await emit(out, bytes);
      styles.push(options.publicPath + out);
    }

    return {
      manifest: { version: 1, sourceHash: options.sourceHash, styles, islands },
      files,
      sizes,
    };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
