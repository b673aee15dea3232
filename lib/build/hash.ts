/**
 * Content hashing for the build: asset file names and the source hash that
 * `--if-stale` compares.
 *
 * @module
 */

/** Hex SHA-256 of `data`. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** The short content hash used in asset file names: 12 hex digits. */
export async function contentHash(data: string | Uint8Array): Promise<string> {
  return (await sha256Hex(data)).slice(0, 12);
}

/** `RoomChat.js` + `abc` → `RoomChat-abc.js`. */
export function hashedName(file: string, hash: string): string {
  const dot = file.lastIndexOf(".");
  return dot <= 0
    ? `${file}-${hash}`
    : `${file.slice(0, dot)}-${hash}${file.slice(dot)}`;
}

/** `data` gzipped (what a browser downloads). */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(
      new CompressionStream("gzip"),
    );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
