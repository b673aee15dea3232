/**
 * Reading request bodies within the 64 KiB limit, as JSON or as a form.
 *
 * @module
 */
import { LIMITS } from "../protocol/limits.ts";
import { ProtocolError } from "../protocol/errors.ts";
import {
  FORBIDDEN_KEYS,
  isPlainRecord,
  MAX_FRAME_DEPTH,
  nestingExceeds,
} from "../protocol/codec.ts";

/** Reads the body as text, refusing more than 64 KiB with `too_large`. */
export async function readBodyText(req: Request): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > LIMITS.maxFrameBytes) {
    throw new ProtocolError(
      "too_large",
      `Body exceeds ${LIMITS.maxFrameBytes} bytes`,
    );
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > LIMITS.maxFrameBytes) {
      await reader.cancel();
      throw new ProtocolError(
        "too_large",
        `Body exceeds ${LIMITS.maxFrameBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ProtocolError("bad_request", "Body is not valid UTF-8");
  }
}

/**
 * Reads a JSON object body. Nested or prototype-polluting shapes are refused
 * with `bad_request`, as on the WebSocket.
 */
export async function readJsonObject(
  req: Request,
): Promise<Record<string, unknown>> {
  const text = await readBodyText(req);
  if (nestingExceeds(text, MAX_FRAME_DEPTH)) {
    throw new ProtocolError("bad_request", "Body is nested too deeply");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError("bad_request", "Body is not valid JSON");
  }
  if (!isPlainRecord(value)) {
    throw new ProtocolError("bad_request", "Body must be a JSON object");
  }
  if (Object.keys(value).some((key) => FORBIDDEN_KEYS.has(key))) {
    throw new ProtocolError("bad_request", "Body has a forbidden key");
  }
  return value;
}

/** Reads an `application/x-www-form-urlencoded` body within the limit. */
export async function readForm(req: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await readBodyText(req));
}
