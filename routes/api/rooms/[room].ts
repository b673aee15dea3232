/**
 * `PATCH /api/rooms/:room` `{"slowModeSeconds"}` (moderators): sets the
 * room's slow mode (0 turns it off) → `200 {"room","slowModeSeconds"}`.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { json } from "../../../lib/http/responses.ts";
import { readJsonObject } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { requireUser } from "../../../lib/http/identity.ts";
import { parseRoomName } from "../../../lib/protocol/validate.ts";
import { ProtocolError } from "../../../lib/protocol/errors.ts";
import { MAX_SLOW_MODE_S } from "../../../lib/access/room_access.ts";

/** Changes a room's settings. */
export const handler: Handlers = {
  async PATCH(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const { slowModeSeconds } = await readJsonObject(req);
    if (
      typeof slowModeSeconds !== "number" ||
      !Number.isInteger(slowModeSeconds) || slowModeSeconds < 0 ||
      slowModeSeconds > MAX_SLOW_MODE_S
    ) {
      throw new ProtocolError(
        "bad_request",
        `"slowModeSeconds" is a whole number of seconds, 0–${MAX_SLOW_MODE_S}`,
      );
    }
    await ctx.app.access.setSlowMode(room, user, slowModeSeconds);
    ctx.app.accessChanged(room);
    return json({ room, slowModeSeconds });
  },
};
