/**
 * Query and header parameters of the SSE and long-poll endpoints, parsed
 * strictly: anything malformed is a `bad_request` (400).
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { parseEpoch, parseQueryInt } from "../protocol/validate.ts";
import type { Sessions } from "../auth/sessions.ts";

/** The longest long-poll wait a client may ask for, in seconds. */
export const MAX_WAIT_S = 30;

/**
 * Parses `wait` (seconds, an integer 0–30; 0 when absent).
 *
 * @example
 * ```ts
 * import { parseWait } from "./params.ts";
 * console.assert(parseWait("25") === 25 && parseWait(null) === 0);
 * ```
 */
export function parseWait(raw: string | null): number {
  if (raw === null) return 0;
  if (/^\d{1,2}$/.test(raw) && Number(raw) <= MAX_WAIT_S) return Number(raw);
  throw new ProtocolError(
    "bad_request",
    `"wait" must be an integer number of seconds from 0 to ${MAX_WAIT_S}`,
  );
}

/**
 * Where an SSE stream resumes: `Last-Event-ID` (what `EventSource` sends on
 * reconnect) wins over `?since=`; `undefined` when neither is given.
 */
export function resumePoint(req: Request, url: URL): number | undefined {
  const lastEventId = req.headers.get("last-event-id");
  if (lastEventId !== null && lastEventId.trim() !== "") {
    return parseQueryInt(lastEventId.trim(), "Last-Event-ID");
  }
  return parseQueryInt(url.searchParams.get("since"), "since");
}

/**
 * The room's epoch the client last saw (`?epoch=`, with `since` or
 * `Last-Event-ID`): a resume from another epoch is answered with
 * `recovered: false`. `undefined` when absent.
 */
export function epochParam(url: URL): string | undefined {
  const raw = url.searchParams.get("epoch");
  return raw === null ? undefined : parseEpoch(raw, "epoch");
}

/**
 * The request's user when it carries a token (cookie, Bearer or `?token=`),
 * `null` when it carries none; a token that does not verify is refused with
 * `unauthenticated` (401) rather than silently read as anonymous.
 */
export async function optionalUser(
  req: Request,
  url: URL,
  sessions: Sessions,
): Promise<User | null> {
  const token = sessions.tokenOf(req, url);
  if (!token) return null;
  const user = await sessions.verify(token);
  if (!user) {
    throw new ProtocolError(
      "unauthenticated",
      "Session token is invalid; get a new one from POST /api/session",
    );
  }
  return user;
}
