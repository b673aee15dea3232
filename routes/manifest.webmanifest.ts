/**
 * `GET /manifest.webmanifest`: the web app manifest
 * (`lib/render/web_manifest.ts`).
 *
 * @module
 */
import type { Handlers } from "../lib/http/route_types.ts";
import { WEB_MANIFEST_TYPE, webManifest } from "../lib/render/web_manifest.ts";

const BODY = JSON.stringify(webManifest());

/** The manifest (HEAD too: the server drops the body). */
export const handler: Handlers = {
  GET: () =>
    new Response(BODY, {
      headers: {
        "content-type": WEB_MANIFEST_TYPE,
        "cache-control": "public, max-age=3600",
        "x-content-type-options": "nosniff",
      },
    }),
};
