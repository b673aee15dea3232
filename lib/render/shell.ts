/**
 * The HTML document around a rendered page body.
 *
 * @module
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** The favicon, the product's mark (`static/favicon.svg`). */
export const FAVICON_URL = "/static/favicon.svg";

/** The web app manifest (`routes/manifest.webmanifest.ts`). */
export const WEB_MANIFEST_URL = "/manifest.webmanifest";

/** The icon iOS puts on the home screen (it rounds the corners itself). */
export const APPLE_TOUCH_ICON_URL = "/static/icons/apple-touch-icon.png";

/** The page background of `static/app.css` (`--bg`), light and dark. */
export const THEME_COLORS = { light: "#f7f7f8", dark: "#111318" } as const;

/** What goes into the document besides the body. */
export interface ShellOptions {
  /** Document title (plain text). */
  title: string;
  /** Already-rendered body markup. */
  bodyHtml: string;
  /** Stylesheet URLs. */
  styles: readonly string[];
  /** Module script URLs (island entries). */
  scripts: readonly string[];
  /** Module URLs to preload (shared chunks). */
  preloads: readonly string[];
  /** Document language; `en` by default. */
  lang?: string;
}

/**
 * Returns the complete HTML document. Scripts are external modules only
 * (deferred by nature), so the body is readable before any JS runs.
 */
export function documentHtml(options: ShellOptions): string {
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    // Linked, so browsers do not also ask for /favicon.ico.
    `<link rel="icon" href="${FAVICON_URL}" type="image/svg+xml">`,
    // Installing on a home screen: the manifest, iOS's own icon, and the
    // browser's bar in the page's background colour.
    `<link rel="manifest" href="${WEB_MANIFEST_URL}">`,
    `<link rel="apple-touch-icon" href="${APPLE_TOUCH_ICON_URL}">`,
    `<meta name="theme-color" content="${THEME_COLORS.light}" media="(prefers-color-scheme: light)">`,
    `<meta name="theme-color" content="${THEME_COLORS.dark}" media="(prefers-color-scheme: dark)">`,
    `<title>${escapeHtml(options.title)}</title>`,
    ...options.styles.map((href) =>
      `<link rel="stylesheet" href="${escapeHtml(href)}">`
    ),
    ...options.preloads.map((href) =>
      `<link rel="modulepreload" href="${escapeHtml(href)}">`
    ),
    ...options.scripts.map((src) =>
      `<script type="module" src="${escapeHtml(src)}"></script>`
    ),
  ];
  return `<!DOCTYPE html><html lang="${
    escapeHtml(options.lang ?? "en")
  }"><head>${head.join("")}</head><body>${options.bodyHtml}</body></html>`;
}
