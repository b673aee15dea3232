/**
 * `PUT /api/rooms/:room/members/:user` `{"role":"moderator"|"member"}`
 * (owners): sets a member's role → `200 {"room","user","role"}`.
 *
 * @module
 */
import type { Handlers } from "../../../../../lib/http/route_types.ts";
import { json } from "../../../../../lib/http/responses.ts";
import { readJsonObject } from "../../../../../lib/http/body.ts";
import { checkOrigin } from "../../../../../lib/http/origin.ts";
import { requireUser } from "../../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../../lib/protocol/validate.ts";
import { ProtocolError } from "../../../../../lib/protocol/errors.ts";
import { isUserId } from "../../../../../lib/access/direct_messages.ts";

/** Sets a role. */
export const handler: Handlers = {
  async PUT(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const target = ctx.params.user;
    const { role } = await readJsonObject(req);
    if (!isUserId(target)) {
      throw new ProtocolError("bad_request", "The path names a user id (u_…)");
    }
    if (role !== "moderator" && role !== "member") {
      throw new ProtocolError(
        "bad_request",
        '"role" is "moderator" or "member"',
      );
    }
    await ctx.app.access.setRole(room, user, target, role);
    ctx.app.accessChanged(room);
    return json({ room, user: target, role });
  },
};
