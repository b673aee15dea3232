/**
 * Client message ids: 22 characters of `[A-Za-z0-9_-]` (132 random bits),
 * valid under the contract's id rule. Uses `crypto.getRandomValues`, which,
 * unlike `crypto.randomUUID`, also works on plain-http origins.
 *
 * @module
 */

const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A new random client message id. */
export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let id = "";
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}
