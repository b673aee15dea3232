/**
 * Helpers shared by the pages' form posts (which work without JavaScript).
 *
 * @module
 */
import { isSecureRequest } from "../http/secure_request.ts";
import type { User } from "../protocol/types.ts";
import { parseDisplayName } from "../protocol/validate.ts";
import type { RouteContext } from "../http/route_types.ts";

/**
 * Applies a name typed into a form: issues a session (or renames the
 * current one) when `rawName` is given and differs, appending its cookie to
 * `headers`. Returns the user the request now speaks for.
 *
 * @throws {import("../protocol/errors.ts").ProtocolError} `bad_request` for an invalid name.
 */
export async function applyFormName(
  req: Request,
  ctx: RouteContext,
  rawName: string | null,
  headers: Headers,
): Promise<User | null> {
  const user = await ctx.app.sessions.userFromRequest(req, ctx.url);
  if (rawName === null || rawName.trim() === "") return user;
  const name = parseDisplayName(rawName);
  if (user && user.name === name) return user;
  const session = await ctx.app.sessions.issue(name, user);
  headers.append(
    "set-cookie",
    ctx.app.sessions.cookie(session.token, isSecureRequest(req, ctx.url)),
  );
  return session.user;
}

/** A 303 redirect (the answer to a successful form post). */
export function seeOther(
  location: string,
  headers: Headers = new Headers(),
): Response {
  headers.set("location", location);
  return new Response(null, { status: 303, headers });
}
