/**
 * The web app manifest (`/manifest.webmanifest`, linked from every page's
 * head by `shell.ts`), so the chat installs on a phone's home screen and
 * opens like an app. The icons are drawn from the favicon by
 * `lib/build/icons.ts`.
 *
 * @module
 */
import { PRODUCT_NAME } from "../ui/brand.tsx";
import { FAVICON_URL, THEME_COLORS } from "./shell.ts";

/** Its content type (the W3C spec's). */
export const WEB_MANIFEST_TYPE = "application/manifest+json";

/** The manifest's members. */
export function webManifest(): Record<string, unknown> {
  return {
    name: PRODUCT_NAME,
    short_name: PRODUCT_NAME,
    description: "Realtime chat rooms",
    id: "/",
    start_url: "/",
    scope: "/",
    display: "standalone",
    theme_color: THEME_COLORS.light,
    background_color: THEME_COLORS.light,
    icons: [
      {
        src: "/static/icons/icon-192.png",
        sizes: "192x192",
        type: "image/png",
      },
      {
        src: "/static/icons/icon-512.png",
        sizes: "512x512",
        type: "image/png",
      },
      {
        src: "/static/icons/maskable-512.png",
        sizes: "512x512",
        type: "image/png",
        purpose: "maskable",
      },
      { src: FAVICON_URL, sizes: "any", type: "image/svg+xml" },
    ],
  };
}
