/**
 * Serving files from `static/`: content-hashed build output with immutable
 * caching, everything else revalidated by ETag. Only plain, visible files
 * inside the directory are served.
 *
 * @module
 */

/** Content types by file extension; other files are not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
  ico: "image/x-icon",
  woff2: "font/woff2",
};

/** The cache policy of hashed build files: they never change. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/** The cache policy of other files: revalidate every time. */
export const REVALIDATE = "public, max-age=0, must-revalidate";

// A build file whose name carries its content hash: `RoomChat-0123456789ab.js`
// (our hash), or `chunk-ABCD1234.js` and `mention_picker-ABCD1234.js`
// (esbuild's: chunks and dynamically imported modules).
const HASHED_BUILD_FILE =
  /^build\/(?:[A-Za-z0-9_]+-[0-9a-f]{12}|chunk-[A-Za-z0-9_]{8,}|[A-Za-z0-9_]+-[A-Z0-9]{8})\.[a-z0-9]+$/;
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Checks a request path relative to `static/` (already URL-decoded):
 * `/`-separated segments of `[A-Za-z0-9._-]`, none empty, none starting with
 * `.` (no `..`, no hidden files), with a known extension. Returns the
 * extension, or `null` when the path must not be served.
 */
export function staticPathExtension(path: string): string | null {
  const segments = path.split("/");
  if (segments.length > 8 || !segments.every((s) => SAFE_SEGMENT.test(s))) {
    return null;
  }
  const last = segments[segments.length - 1];
  const dot = last.lastIndexOf(".");
  if (dot <= 0) return null;
  const ext = last.slice(dot + 1).toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, ext) ? ext : null;
}

/** Whether `path` (relative to `static/`) names a content-hashed build file. */
export function isImmutablePath(path: string): boolean {
  return HASHED_BUILD_FILE.test(path);
}

/** Types worth compressing. */
const COMPRESSIBLE = new Set(["js", "mjs", "css", "json", "map", "txt", "svg"]);

function etagOf(info: Deno.FileInfo, gzip: boolean): string {
  const base = `${info.size.toString(36)}-${
    (info.mtime?.getTime() ?? 0).toString(36)
  }`;
  return `W/"${base}${gzip ? "-gz" : ""}"`;
}

async function openFile(
  url: URL,
): Promise<{ file: Deno.FsFile; info: Deno.FileInfo } | null> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(url, { read: true });
  } catch (err) {
    if (
      err instanceof Deno.errors.NotFound ||
      err instanceof Deno.errors.PermissionDenied
    ) {
      return null;
    }
    throw err;
  }
  try {
    const info = await file.stat();
    if (info.isFile) return { file, info };
    file.close();
    return null;
  } catch (err) {
    file.close();
    throw err;
  }
}

function notFound(): Response {
  return new Response("Not found", {
    status: 404,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/**
 * Serves `path` (relative to `root`, a directory URL ending in `/`) for a
 * GET or HEAD request.
 *
 * @example
 * ```ts
 * import { serveStatic } from "./serve_static.ts";
 * const res = await serveStatic(new Request("http://x/static/app.css"), "../etc/passwd", new URL("file:///srv/static/"));
 * console.assert(res.status === 404);
 * ```
 */
export async function serveStatic(
  req: Request,
  path: string,
  root: URL,
): Promise<Response> {
  const ext = staticPathExtension(path);
  if (!ext) return notFound();
  const url = new URL(path, root);
  if (!url.href.startsWith(root.href)) return notFound();
  const acceptsGzip = /\bgzip\b/i.test(
    req.headers.get("accept-encoding") ?? "",
  );
  const compressible = COMPRESSIBLE.has(ext);
  // Prefer the build's precompressed twin; otherwise compress on the fly.
  const pre = acceptsGzip && compressible
    ? await openFile(new URL(`${path}.gz`, root))
    : null;
  const opened = pre ?? await openFile(url);
  if (!opened) return notFound();
  const { file, info } = opened;
  const gzipOnTheFly = !pre && acceptsGzip && compressible && info.size > 256;
  const headers = new Headers({
    "content-type": CONTENT_TYPES[ext],
    "cache-control": isImmutablePath(path) ? IMMUTABLE : REVALIDATE,
    "etag": etagOf(info, pre !== null || gzipOnTheFly),
    "x-content-type-options": "nosniff",
    "vary": "accept-encoding",
  });
  if (pre || gzipOnTheFly) headers.set("content-encoding", "gzip");
  if (
    req.headers.get("if-none-match")?.split(/\s*,\s*/).includes(
      headers.get("etag")!,
    )
  ) {
    file.close();
    return new Response(null, { status: 304, headers });
  }
  if (req.method === "HEAD") {
    file.close();
    if (!gzipOnTheFly) headers.set("content-length", String(info.size));
    return new Response(null, { status: 200, headers });
  }
  if (gzipOnTheFly) {
    return new Response(
      file.readable.pipeThrough(new CompressionStream("gzip")),
      { headers },
    );
  }
  headers.set("content-length", String(info.size));
  return new Response(file.readable, { status: 200, headers });
}
