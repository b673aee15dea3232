/**
 * Route and island discovery: scans `routes/` and `islands/` and generates
 * `lib/generated/routes.gen.ts`, the static manifest the router imports (so
 * the server needs no file-system walking at startup, and works on Deno
 * Deploy).
 *
 * File → pattern: `routes/index.tsx` → `/`, `routes/rooms/[room].tsx` →
 * `/rooms/:room`, `routes/static/[...path].ts` → `/static/:path*`,
 * `routes/api/rooms/index.ts` → `/api/rooms`. Files and folders starting with
 * `_` or `.`, and `*_test.ts(x)` files, are not routes.
 *
 * @module
 */
import { ISLAND_NAME_PATTERN } from "../render/markers.ts";

/** A route file and the URLPattern pathname it serves. */
export interface RouteFile {
  /** Path relative to `routes/`, with `/` separators: `rooms/[room].tsx`. */
  file: string;
  /** URLPattern pathname: `/rooms/:room`. */
  pattern: string;
}

const SOURCE_EXT = /\.(tsx?|jsx?)$/;
const TEST_FILE = /_test\.(tsx?|jsx?)$/;
const PARAM = /^\[([A-Za-z_][A-Za-z0-9_]*)\]$/;
const CATCH_ALL = /^\[\.\.\.([A-Za-z_][A-Za-z0-9_]*)\]$/;
const STATIC_SEGMENT = /^[A-Za-z0-9._~-]+$/;

function isSourceFile(name: string): boolean {
  return SOURCE_EXT.test(name) && !TEST_FILE.test(name) &&
    !name.endsWith(".d.ts") &&
    !name.startsWith("_") && !name.startsWith(".");
}

/**
 * The URLPattern pathname for a file path relative to `routes/`.
 *
 * @throws {Error} for segments that are neither static, `[param]` nor a final
 * `[...rest]`.
 */
export function fileToPattern(file: string): string {
  const segments = file.replace(SOURCE_EXT, "").split("/");
  if (segments.at(-1) === "index") segments.pop();
  const out = segments.map((segment, i) => {
    const rest = CATCH_ALL.exec(segment);
    if (rest) {
      if (i !== segments.length - 1) {
        throw new Error(
          `routes/${file}: [...${rest[1]}] must be the last segment`,
        );
      }
      return `:${rest[1]}*`;
    }
    const param = PARAM.exec(segment);
    if (param) return `:${param[1]}`;
    if (!STATIC_SEGMENT.test(segment)) {
      throw new Error(
        `routes/${file}: segment ${
          JSON.stringify(segment)
        } is not a valid route segment`,
      );
    }
    return segment;
  });
  return "/" + out.join("/");
}

function segmentRank(segment: string): number {
  if (!segment.startsWith(":")) return 0;
  return segment.endsWith("*") ? 2 : 1;
}

/**
 * Orders patterns so that, segment by segment, static segments come before
 * `:params`, which come before `:rest*`; then shorter before longer, then
 * alphabetically. A router that takes the first match thus prefers
 * `/rooms/new` over `/rooms/:room`.
 */
export function comparePatterns(a: string, b: string): number {
  const as = a.split("/").filter(Boolean);
  const bs = b.split("/").filter(Boolean);
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const rank = segmentRank(as[i]) - segmentRank(bs[i]);
    if (rank !== 0) return rank;
    if (as[i] !== bs[i] && segmentRank(as[i]) === 0) {
      return as[i] < bs[i] ? -1 : 1;
    }
  }
  if (as.length !== bs.length) return as.length - bs.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

async function walk(dir: URL, prefix: string, out: string[]): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    if (entry.isDirectory) {
      await walk(
        new URL(`${entry.name}/`, dir),
        `${prefix}${entry.name}/`,
        out,
      );
    } else if (entry.isFile && isSourceFile(entry.name)) {
      out.push(`${prefix}${entry.name}`);
    }
  }
}

/**
 * Lists the route files under `routesDir` (a directory URL ending in `/`),
 * sorted by {@linkcode comparePatterns}.
 *
 * @throws {Error} when two files serve the same pattern.
 */
export async function scanRoutes(routesDir: URL): Promise<RouteFile[]> {
  const files: string[] = [];
  await walk(routesDir, "", files);
  const routes = files.map((file) => ({ file, pattern: fileToPattern(file) }));
  const seen = new Map<string, string>();
  for (const r of routes) {
    const other = seen.get(r.pattern);
    if (other) {
      throw new Error(
        `routes/${other} and routes/${r.file} both serve ${r.pattern}`,
      );
    }
    seen.set(r.pattern, r.file);
  }
  return routes.sort((a, b) => comparePatterns(a.pattern, b.pattern));
}

/** An island file and its name. */
export interface IslandFile {
  /** The file's base name, e.g. `RoomChat`. */
  name: string;
  /** The module's URL. */
  url: URL;
}

/**
 * Lists the islands in `islandsDir` (a directory URL ending in `/`; top
 * level only), sorted by name.
 *
 * @throws {Error} for a file name that is not a valid island name, or two
 * files with one name.
 */
export async function scanIslandFiles(islandsDir: URL): Promise<IslandFile[]> {
  const islands: IslandFile[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(islandsDir));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  for (const entry of entries) {
    if (!entry.isFile || !isSourceFile(entry.name)) continue;
    const name = entry.name.replace(SOURCE_EXT, "");
    if (!ISLAND_NAME_PATTERN.test(name)) {
      throw new Error(
        `islands/${entry.name}: an island's file name must be an identifier`,
      );
    }
    if (islands.some((i) => i.name === name)) {
      throw new Error(`islands/: two files are named ${name}`);
    }
    islands.push({ name, url: new URL(entry.name, islandsDir) });
  }
  return islands.sort((a, b) => a.name < b.name ? -1 : 1);
}

/** The island names in `islandsDir`, sorted; see {@linkcode scanIslandFiles}. */
export async function scanIslands(islandsDir: URL): Promise<string[]> {
  return (await scanIslandFiles(islandsDir)).map((i) => i.name);
}

/**
 * The text of `lib/generated/routes.gen.ts`, before formatting (see
 * {@linkcode formatTypeScript}).
 */
export function generateRoutesManifest(
  routes: RouteFile[],
  islands: string[],
): string {
  const lines = [
    "// Generated by lib/build/routes_manifest.ts from routes/ and islands/.",
    "// Do not edit: run `deno task build` to regenerate.",
    "",
    'import type { RouteEntry } from "../http/route_types.ts";',
    ...routes.map((r, i) => `import * as $${i} from "../../routes/${r.file}";`),
    "",
  ];
  if (routes.length === 0) {
    lines.push("export const routes: RouteEntry[] = [];");
  } else {
    lines.push("export const routes: RouteEntry[] = [");
    routes.forEach((r, i) =>
      lines.push(`  { pattern: ${JSON.stringify(r.pattern)}, module: $${i} },`)
    );
    lines.push("];");
  }
  lines.push("");
  lines.push(
    `export const islands: string[] = ${
      JSON.stringify(islands).replaceAll(",", ", ")
    };`,
  );
  return lines.join("\n") + "\n";
}

/** Locations the generator reads and writes, as directory and file URLs. */
export interface ProjectPaths {
  routes: URL;
  islands: URL;
  manifest: URL;
}

/** The project's own paths, relative to this module. */
export const PROJECT_PATHS: ProjectPaths = {
  routes: new URL("../../routes/", import.meta.url),
  islands: new URL("../../islands/", import.meta.url),
  manifest: new URL("../generated/routes.gen.ts", import.meta.url),
};

/**
 * Formats TypeScript source with `deno fmt` and the project's configuration,
 * so generated files stay `deno fmt --check` clean whatever its line width.
 */
export async function formatTypeScript(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=ts", "-"],
    cwd: new URL("../../", import.meta.url),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) {
    throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

/** Generates the formatted manifest text for the project at `paths`. */
export async function buildRoutesManifest(
  paths: ProjectPaths = PROJECT_PATHS,
): Promise<string> {
  const routes = await scanRoutes(paths.routes);
  const islands = await scanIslands(paths.islands);
  return await formatTypeScript(generateRoutesManifest(routes, islands));
}

/**
 * Regenerates the manifest file; writes only when the text changed.
 * Returns whether it wrote.
 */
export async function writeRoutesManifest(
  paths: ProjectPaths = PROJECT_PATHS,
): Promise<boolean> {
  const text = await buildRoutesManifest(paths);
  let current: string | null = null;
  try {
    current = await Deno.readTextFile(paths.manifest);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (current === text) return false;
  await Deno.mkdir(new URL(".", paths.manifest), { recursive: true });
  await Deno.writeTextFile(paths.manifest, text);
  return true;
}
