/**
 * Base64url without padding (RFC 4648 §5), for tokens.
 *
 * @module
 */

/** Encodes bytes as base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) {
    binary += String.fromCharCode(bytes[i]);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/**
 * Decodes canonical base64url without padding; `null` when it is not that.
 * Non-zero padding bits in the last character are refused: otherwise several
 * strings would decode to the same bytes (a token's signature could be
 * altered and still verify).
 */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return encodeBase64Url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}
