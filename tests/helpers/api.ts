/**
 * A terse HTTP client for API tests: one call per request, the token as a
 * Bearer header, the answer as status, text and parsed JSON (when it is).
 *
 * @module
 */

/** One answer. */
export interface ApiReply {
  status: number;
  headers: Headers;
  /** The body as text (tests look for markers in it). */
  text: string;
  // deno-lint-ignore no-explicit-any -- tests read whatever fields they expect
  json: any;
}

/** Sends `method path` to `origin` with an optional Bearer token and JSON body. */
export async function api(
  origin: string,
  method: string,
  path: string,
  token?: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply> {
  const res = await fetch(new URL(path, origin), {
    method,
    redirect: "manual",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a page, an empty 204).
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A new guest session: its token and user. */
export async function guest(
  origin: string,
  name: string,
): Promise<{ token: string; user: { id: string; name: string } }> {
  const reply = await api(origin, "POST", "/api/session", null, { name });
  if (reply.status !== 201) {
    throw new Error(`Cannot get a session: ${reply.status} ${reply.text}`);
  }
  return reply.json;
}
