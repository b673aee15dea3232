/**
 * The browser's and the push service's side of Web Push, written directly
 * on WebCrypto (not on the `web-push` package the server uses, so a test
 * compares two implementations): a subscription's key pair, decrypting an
 * RFC 8291 `aes128gcm` body, and checking an RFC 8292 VAPID header.
 *
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from "../../lib/auth/base64url.ts";

const encoder = new TextEncoder();

/** The browser side of one subscription. */
export interface BrowserKeys {
  /** ECDH P-256 private key. */
  privateKey: CryptoKey;
  /** Its public point, uncompressed (65 bytes). */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The 16-byte authentication secret. */
  auth: Uint8Array<ArrayBuffer>;
  /** As `PushSubscription.toJSON().keys` has them. */
  json: { p256dh: string; auth: string };
}

/** A fresh key pair and auth secret, as a browser makes for a subscription. */
export async function browserKeys(): Promise<BrowserKeys> {
  const pair = await crypto.subtle.generateKey(
    { name: "ECDH", namedCurve: "P-256" },
    true,
    ["deriveBits"],
  );
  const publicKey = new Uint8Array(
    await crypto.subtle.exportKey("raw", pair.publicKey),
  );
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    privateKey: pair.privateKey,
    publicKey,
    auth,
    json: { p256dh: encodeBase64Url(publicKey), auth: encodeBase64Url(auth) },
  };
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, [
    "deriveBits",
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt, info },
      key,
      bytes * 8,
    ),
  );
}

/**
 * Decrypts an `aes128gcm` push body (RFC 8188 framing, RFC 8291 keys) with
 * the subscription's private key and auth secret; throws when it does not
 * decrypt or is not one well-formed record.
 */
export async function decryptPush(
  body: Uint8Array<ArrayBuffer>,
  keys: BrowserKeys,
): Promise<string> {
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4)
    .getUint32(0);
  const idLength = body[20];
  if (idLength !== 65) throw new Error(`keyid is ${idLength} bytes, not 65`);
  const senderPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  if (ciphertext.length > recordSize) {
    throw new Error("more than one record: a push payload fits in one");
  }
  const sender = await crypto.subtle.importKey(
    "raw",
    senderPublic,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "ECDH", public: sender },
      keys.privateKey,
      256,
    ),
  );
  const ikm = await hkdf(
    keys.auth,
    shared,
    concat(encoder.encode("WebPush: info\0"), keys.publicKey, senderPublic),
    32,
  );
  const cek = await hkdf(
    salt,
    ikm,
    encoder.encode("Content-Encoding: aes128gcm\0"),
    16,
  );
  const nonce = await hkdf(
    salt,
    ikm,
    encoder.encode("Content-Encoding: nonce\0"),
    12,
  );
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, [
    "decrypt",
  ]);
  const padded = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce },
      key,
      ciphertext,
    ),
  );
  // The last record: data, the delimiter 2, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("last record delimiter missing");
  return new TextDecoder("utf-8", { fatal: true }).decode(
    padded.subarray(0, end),
  );
}

/** A checked VAPID token's claims. */
export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
  /** The `k=` public key (base64url). */
  key: string;
}

/**
 * Checks an `Authorization: vapid t=<jwt>, k=<key>` header: an ES256
 * signature by `k`, `aud` equal to `origin`, `exp` in the future and at
 * most 24 h ahead, a `mailto:` or `https:` `sub`. Throws with the reason.
 */
export async function verifyVapid(
  header: string | null,
  origin: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VapidClaims> {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(
    header ?? "",
  );
  if (!match) throw new Error(`not a vapid header: ${header}`);
  const [, token, key] = match;
  const [head, body, signature] = token.split(".");
  const json = (part: string) =>
    JSON.parse(new TextDecoder().decode(decodeBase64Url(part)!));
  const { alg } = json(head);
  if (alg !== "ES256") throw new Error(`alg ${alg}`);
  const point = decodeBase64Url(key);
  if (point?.length !== 65) throw new Error("k is not a P-256 point");
  const publicKey = await crypto.subtle.importKey(
    "raw",
    point,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    publicKey,
    decodeBase64Url(signature)!,
    encoder.encode(`${head}.${body}`),
  );
  if (!valid) throw new Error("bad signature");
  const claims = json(body);
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} ≠ ${origin}`);
  if (
    typeof claims.exp !== "number" || claims.exp <= nowSeconds ||
    claims.exp > nowSeconds + 24 * 3600
  ) {
    throw new Error(`exp ${claims.exp} is not within 24 h`);
  }
  if (typeof claims.sub !== "string" || !/^(mailto|https):/.test(claims.sub)) {
    throw new Error(`sub ${claims.sub}`);
  }
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub, key };
}
