/**
 * Signed session tokens: `v1.<payload>.<signature>`, the payload a base64url
 * JSON `{u, n, x?, t, j}` (user id, display name, expiry in epoch seconds,
 * issue time in epoch ms, and
 * random bytes that make every issued token distinct, so that revoking one
 * never revokes another), the signature HMAC-SHA256 over
 * `v1.<payload>` with WebCrypto. Tokens are opaque to clients.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

const PREFIX = "v1.";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** What a token says: who, and until when (no `expiresAt`: no end). */
export interface TokenClaims {
  id: string;
  name: string;
  /** Epoch seconds after which the token is no longer valid. */
  expiresAt?: number;
  /** Epoch ms when it was issued (absent in tokens issued before it was kept). */
  issuedAt?: number;
}

/** Signs and verifies tokens with one HMAC key. */
export class TokenSigner {
  readonly #key: CryptoKey;
  // Verified tokens are cached: a reconnect storm should not cost an HMAC each.
  readonly #verified = new Map<string, TokenClaims>();

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /** Creates a signer from secret bytes (at least 32). */
  static async create(secret: Uint8Array<ArrayBuffer>): Promise<TokenSigner> {
    if (secret.byteLength < 32) {
      throw new RangeError(
        "Cannot create token signer: secret is shorter than 32 bytes",
      );
    }
    const key = await crypto.subtle.importKey(
      "raw",
      secret,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    return new TokenSigner(key);
  }

  /** Issues a token for `user`, valid until `expiresAt` (epoch s) when given. */
  async sign(user: User, expiresAt?: number): Promise<string> {
    const payload = encodeBase64Url(
      encoder.encode(
        JSON.stringify({
          u: user.id,
          n: user.name,
          x: expiresAt,
          t: Date.now(),
          j: encodeBase64Url(crypto.getRandomValues(new Uint8Array(9))),
        }),
      ),
    );
    const signed = PREFIX + payload;
    const mac = await crypto.subtle.sign(
      "HMAC",
      this.#key,
      encoder.encode(signed),
    );
    return `${signed}.${encodeBase64Url(new Uint8Array(mac))}`;
  }

  /**
   * What a token says, or `null` when it is malformed or forged (expiry is
   * the caller's to check).
   */
  async verify(token: string): Promise<TokenClaims | null> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    if (token.length > 1024 || !token.startsWith(PREFIX)) return null;
    const dot = token.lastIndexOf(".");
    if (dot <= PREFIX.length) return null;
    const signed = token.slice(0, dot);
    const mac = decodeBase64Url(token.slice(dot + 1));
    const payload = decodeBase64Url(signed.slice(PREFIX.length));
    if (!mac || !payload) return null;
    const valid = await crypto.subtle.verify(
      "HMAC",
      this.#key,
      mac,
      encoder.encode(signed),
    );
    if (!valid) return null;
    const user = parsePayload(payload);
    if (user) {
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(token, user);
    }
    return user;
  }
}

function parsePayload(bytes: Uint8Array): TokenClaims | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (typeof value !== "object" || value === null) return null;
    const { u, n, x, t } = value as Record<string, unknown>;
    if (typeof u !== "string" || typeof n !== "string") return null;
    if (x !== undefined && typeof x !== "number") return null;
    if (t !== undefined && typeof t !== "number") return null;
    const claims: TokenClaims = { id: u, name: n };
    if (x !== undefined) claims.expiresAt = x;
    if (t !== undefined) claims.issuedAt = t;
    return claims;
  } catch {
    return null;
  }
}

/** A new random user id: `u_` and 16 random bytes in base64url. */
export function newUserId(): string {
  return "u_" + encodeBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
