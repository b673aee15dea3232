/**
 * Password hashing: PBKDF2-HMAC-SHA256 through WebCrypto, with OWASP's
 * current iteration count (600 000, Password Storage Cheat Sheet) and a
 * 16-byte random salt.
 *
 * Why not argon2id: the WASM builds (`hash-wasm`) compute on the calling
 * thread, so each sign-in would stop every socket of the isolate for the
 * hash's duration; WebCrypto's `deriveBits` runs off the event loop, needs
 * no dependency and exists on every Deno-compatible edge runtime. The
 * encoded form names the algorithm and count, so either can change later
 * without invalidating stored hashes.
 *
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from "../auth/base64url.ts";

/** PBKDF2 iterations for new hashes. */
export const PBKDF2_ITERATIONS = 600_000;
/** The shortest password accepted (the contract's rule). */
export const MIN_PASSWORD_LENGTH = 8;
/** The longest: beyond it, hashing is just work for an attacker to make us do. */
export const MAX_PASSWORD_LENGTH = 1024;

const encoder = new TextEncoder();

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(password.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url) for `password`. */
export async function hashPassword(
  password: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${encodeBase64Url(salt)}$${
    encodeBase64Url(hash)
  }`;
}

/**
 * Whether `password` matches `encoded`. Given `null` (an unknown name), it
 * still does the work of one check and answers `false`, so the time of an
 * answer does not tell whether the name exists.
 */
export async function verifyPassword(
  password: string,
  encoded: string | null,
): Promise<boolean> {
  const parts = encoded?.split("$") ?? [];
  const iterations = Number(parts[1]);
  const salt = decodeBase64Url(parts[2] ?? "");
  const expected = decodeBase64Url(parts[3] ?? "");
  if (
    parts.length !== 4 || parts[0] !== "pbkdf2-sha256" ||
    !Number.isSafeInteger(iterations) || iterations < 1 || !salt || !expected
  ) {
    await derive(password, new Uint8Array(16), PBKDF2_ITERATIONS);
    return false;
  }
  const actual = await derive(
    password,
    new Uint8Array(salt),
    iterations,
  );
  return constantTimeEqual(actual, expected);
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
