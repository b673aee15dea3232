/**
 * What a client build depends on, so `--if-stale` can tell whether the last
 * build still matches the sources.
 *
 * @module
 */
import { sha256Hex } from "./hash.ts";

/** The local files and npm packages a module graph imports. */
export interface ModuleGraph {
  /** `file:` URLs of local modules. */
  files: string[];
  /** npm package ids, with versions. */
  npm: string[];
}

interface DenoInfo {
  modules: { specifier: string; kind?: string }[];
  npmPackages?: Record<string, unknown>;
}

/** The module graph of `entry`, from `deno info --json`. */
export async function moduleGraph(entry: URL, cwd: URL): Promise<ModuleGraph> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.href],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(
      `deno info ${entry.href} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(stdout)) as DenoInfo;
  return {
    files: info.modules.map((m) => m.specifier).filter((s) =>
      s.startsWith("file:")
    ),
    npm: Object.keys(info.npmPackages ?? {}),
  };
}

/**
 * A hash over the contents of `files` (URLs) and the `extra` strings; a
 * missing file hashes as missing. Order does not matter.
 */
export async function hashSources(
  files: Iterable<URL>,
  extra: Iterable<string> = [],
): Promise<string> {
  const parts: string[] = [];
  for (const url of new Set([...files].map((f) => f.href))) {
    let digest = "missing";
    try {
      digest = await sha256Hex(await Deno.readFile(new URL(url)));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    parts.push(`file ${url} ${digest}`);
  }
  for (const e of extra) parts.push(`extra ${e}`);
  return await sha256Hex(parts.sort().join("\n"));
}
