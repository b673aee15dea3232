/**
 * The asset manifest: what `deno task build` wrote to
 * `static/build/manifest.json`, read by the server to emit hashed URLs.
 *
 * @module
 */

/** Browser files of one island. */
export interface IslandAsset {
  /** URL of the island's entry module, e.g. `/static/build/RoomChat-1a2b3c4d.js`. */
  src: string;
  /** URLs of the shared chunks the entry imports, for `modulepreload`. */
  preload: string[];
}

/** Contents of `static/build/manifest.json`. */
export interface AssetManifest {
  version: 1;
  /** Hash of every source the build read; `--if-stale` compares it. */
  sourceHash: string;
  /** Hashed stylesheet URLs, in order. */
  styles: string[];
  /** One entry per island name. */
  islands: Record<string, IslandAsset>;
}

/** Where the build writes the manifest, relative to this module. */
export const MANIFEST_URL = new URL(
  "../../static/build/manifest.json",
  import.meta.url,
);

/** Used when no build exists: the page works, with JavaScript off. */
export const FALLBACK_ASSETS: AssetManifest = {
  version: 1,
  sourceHash: "",
  styles: ["/static/app.css"],
  islands: {},
};

/** Whether `value` has the manifest's shape. */
export function isAssetManifest(value: unknown): value is AssetManifest {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<AssetManifest>;
  return v.version === 1 && typeof v.sourceHash === "string" &&
    Array.isArray(v.styles) && v.styles.every((s) => typeof s === "string") &&
    typeof v.islands === "object" && v.islands !== null &&
    Object.values(v.islands).every((i) =>
      typeof i?.src === "string" && Array.isArray(i.preload) &&
      i.preload.every((p) => typeof p === "string")
    );
}

/**
 * Reads a manifest file; `null` when it is missing or malformed.
 */
export function readAssetManifest(
  url: URL = MANIFEST_URL,
): AssetManifest | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isAssetManifest(value) ? value : null;
  } catch {
    return null;
  }
}

let cached: AssetManifest | undefined;
let warned = false;

/**
 * The current build's manifest, read once per isolate. Without a build, the
 * {@linkcode FALLBACK_ASSETS} (styles only, no scripts) and one warning.
 */
export function currentAssets(): AssetManifest {
  if (cached) return cached;
  const manifest = readAssetManifest();
  if (manifest) return cached = manifest;
  if (!warned) {
    warned = true;
    console.warn(
      "No client build at static/build/manifest.json: pages render without JavaScript. Run `deno task build`.",
    );
  }
  return FALLBACK_ASSETS;
}

/** Forgets the cached manifest (after a rebuild, and in tests). */
export function resetAssetsCache(): void {
  cached = undefined;
  warned = false;
}
