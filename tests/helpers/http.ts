/**
 * The HTTP API as tests use it: a session, a posted message.
 *
 * @module
 */
import { equal } from "node:assert/strict";

/** Extra request options. */
export interface HttpOptions {
  /** Extra headers (an `origin`, say). */
  headers?: Record<string, string>;
  /** The HTTP client (a fresh one makes a new connection). */
  client?: Deno.HttpClient;
}

/** A new session's token from `origin` (`POST /api/session`, must be 201). */
export async function newSession(
  origin: string,
  name: string,
  options: HttpOptions = {},
): Promise<string> {
  const res = await fetch(`${origin}/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify({ name }),
    client: options.client,
  });
  equal(res.status, 201);
  return (await res.json()).token;
}

/** `POST /api/rooms/:room/messages`: the status and the JSON body. */
export async function postMessage(
  origin: string,
  token: string,
  room: string,
  message: { id: string; text: string },
  options: HttpOptions = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${origin}/api/rooms/${room}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...options.headers,
    },
    body: JSON.stringify(message),
    client: options.client,
  });
  return { status: res.status, body: await res.json() };
}
