/**
 * `POST /api/login` `{"name","password"}`: signs in to a claimed name →
 * `200 {"user","token"}` and the cookie, for the account's user id. A wrong
 * name and a wrong password get the same `401`; failures are throttled per
 * name and per address (`429`).
 *
 * @module
 */
import type { Handlers } from "../../lib/http/route_types.ts";
import { readJsonObject } from "../../lib/http/body.ts";
import { checkOrigin } from "../../lib/http/origin.ts";
import { sessionReply } from "../../lib/http/session_reply.ts";
import { ProtocolError } from "../../lib/protocol/errors.ts";
import { signInWithPassword } from "../../lib/accounts/password_sign_in.ts";

/** Longest name or password looked at (longer ones cannot match). */
const MAX_FIELD = 1024;

/** Signs in with a password. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const { name, password } = await readJsonObject(req);
    if (
      typeof name !== "string" || typeof password !== "string" ||
      name.length > MAX_FIELD || password.length > MAX_FIELD
    ) {
      throw new ProtocolError(
        "bad_request",
        'Send {"name": "…", "password": "…"}',
      );
    }
    const { app } = ctx;
    const user = await signInWithPassword(
      app.accounts,
      app.loginThrottle,
      name,
      password,
      ctx.remoteAddr,
    );
    return sessionReply(req, ctx, await app.sessions.issueFor(user), 200);
  },
};
