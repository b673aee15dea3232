/**
 * The token signing secret: from `CHAT_SECRET` when set, else generated once
 * and kept in KV so that every isolate, instance and restart shares it.
 *
 * @module
 */

import { withBusyRetry } from "../store/busy_retry.ts";

const SECRET_KEY = ["config", "token-secret"] as const;

/**
 * Returns the signing secret's bytes.
 *
 * Concurrent first starts race on an atomic "create if absent"; the loser
 * reads the winner's value, so all isolates end up with the same key.
 */
export async function loadSecret(
  kv: Deno.Kv,
  fromEnv: string | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  if (fromEnv) return await digestSecret(fromEnv);
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await withBusyRetry(() => kv.get<Uint8Array>(SECRET_KEY));
    if (existing.value) return new Uint8Array(existing.value);
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    const result = await withBusyRetry(() =>
      kv.atomic().check(existing).set(SECRET_KEY, fresh).commit()
    );
    if (result.ok) return fresh;
  }
  throw new Error("Cannot load the token secret: KV kept conflicting");
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
