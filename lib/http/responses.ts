/**
 * JSON responses and the contract's error body `{"error":{"code","message"}}`.
 *
 * @module
 */
import { ProtocolError } from "../protocol/errors.ts";

const JSON_TYPE = "application/json; charset=utf-8";

/** A JSON response. */
export function json(
  body: unknown,
  status = 200,
  headers?: HeadersInit,
): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set("content-type", JSON_TYPE);
  response.headers.set("cache-control", "no-store");
  return response;
}

/** The error response for a protocol error (429 carries `Retry-After`). */
export function errorResponse(error: ProtocolError): Response {
  const headers = new Headers();
  if (error.retryAfterMs !== undefined) {
    headers.set(
      "retry-after",
      String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))),
    );
  }
  const body: Record<string, unknown> = {
    code: error.code,
    message: error.message,
  };
  if (error.retryAfterMs !== undefined) body.retryAfterMs = error.retryAfterMs;
  return json({ error: body }, error.status, headers);
}
