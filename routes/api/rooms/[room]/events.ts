/**
 * `GET /api/rooms/:room/events`: the room as Server-Sent Events. Resumes
 * from `Last-Event-ID` or `?since=` (in `?epoch=`, when given); identity (optional: anonymous readers
 * are not counted as present) by cookie, Bearer or `?token=`.
 *
 * @module
 */
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { parseRoomName } from "../../../../lib/protocol/validate.ts";
import {
  epochParam,
  optionalUser,
  resumePoint,
} from "../../../../lib/comet/params.ts";
import { cometOf } from "../../../../lib/wiring/transports.ts";
import { tokenHash } from "../../../../lib/auth/sessions.ts";

/** Opens an SSE stream. */
export const handler: Handlers = {
  async GET(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const since = resumePoint(req, ctx.url);
    const epoch = epochParam(ctx.url);
    const user = await optionalUser(req, ctx.url, ctx.app.sessions);
    const token = user && ctx.app.sessions.tokenOf(req, ctx.url);
    return await cometOf(ctx.app).openStream(
      room,
      user,
      since,
      epoch,
      token ? await tokenHash(token) : undefined,
      ctx.remoteAddr,
    );
  },
};
