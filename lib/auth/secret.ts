/**
 * The token signing secret: from `CHAT_SECRET` when set, else generated once
 * and kept in KV so that every isolate, instance and restart shares it.
 *
 * @module
 */

import { createOnce } from "../store/create_once.ts";

const SECRET_KEY = ["config", "token-secret"] as const;

/** Returns the signing secret's bytes, the same on every isolate. */
export async function loadSecret(
  kv: Deno.Kv,
  fromEnv: string | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  if (fromEnv) return await digestSecret(fromEnv);
  const stored = await createOnce<Uint8Array>(
    kv,
    SECRET_KEY,
    () => crypto.getRandomValues(new Uint8Array(32)),
    "token secret",
  );
  return new Uint8Array(stored);
}

/** The signing key made from a configured secret (`CHAT_SECRET`). */
export async function digestSecret(
  text: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return new Uint8Array(digest);
}
