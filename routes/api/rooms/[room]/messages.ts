/**
 * `/api/rooms/:room/messages`: history pages (`?before=&limit=`), the long
 * poll (`?since=N&wait=S`, optionally `&epoch=E`), and posting: a message
 * (`POST {"id","text","replyTo?"}`), or, with `type` as over the WebSocket,
 * an edit (`{"type":"edit","id","target","text"}`), a deletion
 * (`{"type":"delete","id","target"}`) or a reaction
 * (`{"type":"react","id","target","emoji","on"}`).
 *
 * @module
 */
import { takeSend } from "../../../../lib/http/send_limit.ts";
import type { Handlers } from "../../../../lib/http/route_types.ts";
import { checkOrigin } from "../../../../lib/http/origin.ts";
import { requireUser } from "../../../../lib/http/identity.ts";
import { readJsonObject } from "../../../../lib/http/body.ts";
import { json } from "../../../../lib/http/responses.ts";
import { ProtocolError } from "../../../../lib/protocol/errors.ts";
import { LIMITS } from "../../../../lib/protocol/limits.ts";
import {
  parseQueryInt,
  parseRoomName,
} from "../../../../lib/protocol/validate.ts";
import { inputOf, parseEventBody } from "../../../../lib/rooms/event_input.ts";
import {
  epochParam,
  optionalUser,
  parseWait,
} from "../../../../lib/comet/params.ts";
import { cometOf } from "../../../../lib/wiring/transports.ts";

/** Reads and posts messages over plain HTTP. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const room = parseRoomName(ctx.params.room);
    const query = ctx.url.searchParams;
    const since = parseQueryInt(query.get("since"), "since");
    if (since !== undefined) {
      // Long poll: see lib/comet/long_poll.ts.
      const wait = parseWait(query.get("wait"));
      const epoch = epochParam(ctx.url);
      const user = await optionalUser(req, ctx.url, ctx.app.sessions);
      if (user) checkOrigin(req, ctx.url, ctx.app.config); // counts as presence
      return json(
        await cometOf(ctx.app).poll(
          room,
          user,
          since,
          epoch,
          wait * 1000,
          wait > 0 ? req.signal : undefined,
        ),
        200,
        { "x-chat-node": ctx.app.node },
      );
    }
    const before = parseQueryInt(query.get("before"), "before");
    const limit = parseQueryInt(query.get("limit"), "limit") ??
      LIMITS.historyDefault;
    if (limit < 1 || limit > LIMITS.historyMax) {
      throw new ProtocolError(
        "bad_request",
        `"limit" must be 1–${LIMITS.historyMax}`,
      );
    }
    const { messages, hasMore } = await ctx.app.chat.history(
      room,
      before,
      limit,
      await optionalUser(req, ctx.url, ctx.app.sessions),
    );
    return json({ room, messages, hasMore });
  },

  async POST(req, ctx) {
    checkOrigin(req, ctx.url, ctx.app.config);
    const room = parseRoomName(ctx.params.room);
    const user = await requireUser(req, ctx);
    const frame = parseEventBody(await readJsonObject(req), room);
    takeSend(ctx, user);
    const { id } = frame;
    const { seq, duplicate } = await ctx.app.chat.post(
      room,
      user,
      id,
      inputOf(frame),
    );
    return json({ room, seq, id }, duplicate ? 200 : 201);
  },
};
