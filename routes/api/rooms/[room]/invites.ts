/**
 * `POST /api/rooms/:room/invites` (owners and moderators) →
 * `201 {"id","url","expiresAt"}`: a link that makes its bearer a member.
 * `GET` lists the room's open invites.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { json } from "../../../../lib/http/responses.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";
import { ProtocolError } from "../../../../lib/protocol/errors.ts";

/** Creates and lists invites. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const view = await ctx.app.access.checkModerator(room, user);
    if (view.settings?.dm) {
      throw new ProtocolError(
        "forbidden",
        "Cannot invite to a direct message: it has exactly two people",
      );
    }
    const invite = await ctx.app.invites.invite(room, user);
    return json({
      id: invite.id,
      url: new URL(invite.path, ctx.url).href,
      expiresAt: invite.expiresAt,
    }, 201);
  },

  async GET(req, ctx) {
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    await ctx.app.access.checkModerator(room, user);
    return json({ room, invites: await ctx.app.invites.list(room) });
  },
};
