/**
 * `GET /sw.js`: the service worker (`static/sw.js`). Served from the root
 * because a worker controls only the paths under its own URL's folder:
 * from `/static/sw.js` it could not act for `/rooms/…` without a
 * `Service-Worker-Allowed` header. Revalidated on every load, so a new
 * worker reaches browsers at once.
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { serveStatic } from "../lib/static/serve_static.ts";

const STATIC_ROOT = new URL("../static/", import.meta.url);

/** GET and HEAD of the service worker. */
export const handler: Handlers = {
  GET: (req) => serveStatic(req, "sw.js", STATIC_ROOT),
  HEAD: (req) => serveStatic(req, "sw.js", STATIC_ROOT),
};
