/**
 * `POST /api/rooms/:room/bans` `{"user","minutes?"}` (moderators): bans a
 * user from the room, for `minutes` or until lifted → `201`. The user's
 * open connections to the room end with `left` (`reason: "banned"`) on
 * every node, and every way back in is `forbidden`. `GET` (moderators) lists
 * the bans in force: `{"room","bans":[{"user","by","at","until?"}]}`.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { json } from "../../../../lib/http/responses.ts";
import { readJsonObject } from "../../../../lib/http/body.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";
import { ProtocolError } from "../../../../lib/protocol/errors.ts";
import { isUserId } from "../../../../lib/access/direct_messages.ts";
import { MAX_BAN_MINUTES } from "../../../../lib/access/room_access.ts";

/** Bans a user; lists bans. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    await ctx.app.access.checkModerator(room, user);
    const bans = [...(await ctx.app.access.bans(room))].map((
      [id, ban],
    ) => ({ user: id, ...ban }));
    return json({ room, bans });
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const { user: target, minutes } = await readJsonObject(req);
    if (!isUserId(target)) {
      throw new ProtocolError("bad_request", '"user" is a user id (u_…)');
    }
    if (
      minutes !== undefined &&
      (typeof minutes !== "number" || !Number.isInteger(minutes) ||
        minutes < 1 || minutes > MAX_BAN_MINUTES)
    ) {
      throw new ProtocolError(
        "bad_request",
        `"minutes" is a whole number, 1–${MAX_BAN_MINUTES}`,
      );
    }
    const ban = await ctx.app.access.ban(room, user, target, minutes);
    ctx.app.accessChanged(room, target);
    return json({ room, user: target, ...ban }, 201);
  },
};
