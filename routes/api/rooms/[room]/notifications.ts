/**
 * `GET /api/rooms/:room/notifications` → `{"room","level"}`, and
 * `PUT` `{"level"}` (`all`, `mentions` or `none`) → `200 {"room","level"}`:
 * what notifies the caller in the room.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { json } from "../../../../lib/http/responses.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { readJsonObject } from "../../../../lib/http/body.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";
import { parseNotifyLevel } from "../../../../lib/reads/notify_level.ts";

/** Reads and sets the caller's notification level. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const { level } = await ctx.app.chat.position(room, user);
    return json({ room, level });
  },

  async PUT(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const level = parseNotifyLevel((await readJsonObject(req)).level);
    await ctx.app.chat.setLevel(room, user, level);
    return json({ room, level });
  },
};
