/**
 * `GET /ws`: the WebSocket endpoint. The Origin is checked before upgrading.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { checkOrigin } from "../lib/http/origin.ts";
import { webSocketsOf } from "../lib/wiring/transports.ts";
import { readCookie, SESSION_COOKIE } from "../lib/auth/sessions.ts";

/** Upgrades to a WebSocket connection. */
export const handler: Handlers = {
  GET(req, ctx) {
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    checkOrigin(req, ctx.url, ctx.app.config);
    // Read before upgrading: the request is consumed by the upgrade.
    const cookieToken = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
    const { socket, response } = ctx.app.runtime.upgradeWebSocket(req);
    webSocketsOf(ctx.app).accept(socket, cookieToken, ctx.remoteAddr);
    return response;
  },
};
