/**
 * Getting or renaming a session from the browser: `POST /api/session`, which
 * also sets the `chat_session` cookie (HttpOnly) for later page loads and
 * form posts.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";

/** A session as `POST /api/session` returns it. */
export interface SessionReply {
  user: User;
  token: string;
}

/**
 * Asks for a session named `name`. With `token` (e.g. the guest identity the
 * WebSocket handed out) the same user id is kept and renamed.
 *
 * @throws {Error} with the server's message when it refuses.
 */
export async function requestSession(
  name: string,
  token?: string | null,
): Promise<SessionReply> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch("/api/session", {
    method: "POST",
    headers,
    body: JSON.stringify({ name }),
    credentials: "same-origin",
  });
  const body = await res.json().catch(() => null) as
    | (Partial<SessionReply> & { error?: { message?: string } })
    | null;
  if (!res.ok || !body?.user || !body.token) {
    throw new Error(
      body?.error?.message ?? `Could not set your name (HTTP ${res.status})`,
    );
  }
  return { user: body.user, token: body.token };
}
