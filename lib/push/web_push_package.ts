/**
 * What the server uses of npm's `web-push` package, in one place: VAPID key
 * generation, the VAPID `Authorization` header (RFC 8292: an ES256 JWT) and
 * the encrypted request (RFC 8291, `aes128gcm`). The package runs under
 * Deno's Node compatibility (`node:crypto`'s ECDH, HKDF, AES-GCM and ECDSA),
 * on Deno Deploy too. Sending is not the package's: it would use
 * `node:https` and follow its own idea of where to connect, while the
 * server sends with `fetch` after its own endpoint guard.
 *
 * @module
 */
// @ts-types="@types/web-push"
import webpush from "web-push";

/** A VAPID key pair, base64url: an uncompressed P-256 point and its scalar. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** A push subscription as stored: the endpoint and the browser's keys (base64url). */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** How urgent a push is (RFC 8030 §5.3): devices may hold back lower ones. */
export type Urgency = "very-low" | "low" | "normal" | "high";

/** A new VAPID key pair. */
export function generateVapidKeys(): VapidKeys {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  return { publicKey, privateKey };
}

/**
 * The `Authorization: vapid t=…, k=…` value for one push service.
 *
 * @param audience the push service's origin (the JWT's `aud`)
 * @param expiresAt the JWT's `exp`, epoch seconds, less than 24 h ahead
 */
export function vapidAuthorization(
  audience: string,
  subject: string,
  keys: VapidKeys,
  expiresAt: number,
): string {
  return webpush.getVapidHeaders(
    audience,
    subject,
    keys.publicKey,
    keys.privateKey,
    "aes128gcm",
    expiresAt,
  ).Authorization;
}

/** One push request, ready for `fetch`. */
export interface EncryptedRequest {
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
}

/**
 * Encrypts `payload` for `target` (a fresh key pair and salt each time) and
 * gives the request's headers: `TTL`, `Urgency`, `Content-Encoding:
 * aes128gcm`, `Content-Type` and the given `Authorization`.
 */
export function encryptedRequest(
  target: PushTarget,
  payload: string,
  options: { ttl: number; urgency: Urgency; authorization: string },
): EncryptedRequest {
  const details = webpush.generateRequestDetails(
    {
      endpoint: target.endpoint,
      keys: { p256dh: target.p256dh, auth: target.auth },
    },
    payload,
    {
      TTL: options.ttl,
      urgency: options.urgency,
      contentEncoding: "aes128gcm",
      // VAPID comes from the caller (cached per push service); with no
      // vapidDetails here the package adds none of its own.
      headers: { Authorization: options.authorization },
    },
  );
  const headers = new Headers();
  for (const [name, value] of Object.entries(details.headers)) {
    // fetch sets Content-Length itself from the body.
    if (name.toLowerCase() !== "content-length") {
      headers.set(name, String(value));
    }
  }
  return { headers, body: new Uint8Array(details.body!) };
}
