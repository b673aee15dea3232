/**
 * `GET /static/*`: files from `static/`; content-hashed build output is
 * cached forever (`immutable`).
 *
 * @module
 */
import type { Handlers } from "../../lib/http/route_types.ts";
import { serveStatic } from "../../lib/static/serve_static.ts";

const STATIC_ROOT = new URL("../../static/", import.meta.url);

/** GET and HEAD of a static file. */
export const handler: Handlers = {
  GET: (req, ctx) => serveStatic(req, ctx.params.path ?? "", STATIC_ROOT),
  HEAD: (req, ctx) => serveStatic(req, ctx.params.path ?? "", STATIC_ROOT),
};
