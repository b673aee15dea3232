/**
 * Direct messages: the private room of exactly two users, named from their
 * ids so that both always land in the same room.
 *
 * @module
 */

/** The user id rule: `u_` and up to 64 base64url characters. */
const USER_ID = /^u_[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` is a user id. */
export function isUserId(value: unknown): value is string {
  return typeof value === "string" && USER_ID.test(value);
}

/** The room of the direct messages between users `a` and `b` (either order). */
export async function dmRoomName(a: string, b: string): Promise<string> {
  const pair = [a, b].sort().join(" ");
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pair)),
  );
  const hex = [...digest.slice(0, 12)]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
  return `dm-${hex}`;
}
