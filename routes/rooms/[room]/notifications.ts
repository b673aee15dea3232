/**
 * `POST /rooms/:room/notifications` (field `level`): the room page's
 * notification level form without JavaScript. Saves the level and answers
 * `303` back to the room.
 *
 * @module
 */
import type { Handlers } from "../../../lib/http/route_types.ts";
import { readForm } from "../../../lib/http/body.ts";
import { checkOrigin } from "../../../lib/http/origin.ts";
import { requireUser } from "../../../lib/http/identity.ts";
import { parseRoomName } from "../../../lib/protocol/validate.ts";
import { parseNotifyLevel } from "../../../lib/reads/notify_level.ts";
import { seeOther } from "../../../lib/ui/forms.ts";

/** Saves the caller's level in the room. */
export const handler: Handlers = {
  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const level = parseNotifyLevel((await readForm(req)).get("level"));
    await ctx.app.chat.setLevel(room, user, level);
    return seeOther(`/rooms/${room}`);
  },
};
