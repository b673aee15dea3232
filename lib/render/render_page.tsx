/**
 * Server rendering of pages: a route's component to a complete, safe HTML
 * `Response` that loads only the islands the page used.
 *
 * @module
 */
import type { ComponentType, VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type { PageProps } from "../http/route_types.ts";
import { type AssetManifest, currentAssets } from "./assets.ts";
import {
  CollectorContext,
  createCollector,
  type IslandUse,
} from "./collector.ts";
import { pageHeaders } from "./security.ts";
import { documentHtml } from "./shell.ts";

/** The result of rendering a page body. */
export interface RenderedBody {
  html: string;
  /** Islands placed on the page, in order. */
  islands: IslandUse[];
  /** Set by a `<Title>` in the body. */
  title?: string;
}

/** Renders `vnode` with an island collector; see {@linkcode renderPage}. */
export function renderBody(vnode: VNode): RenderedBody {
  const collector = createCollector();
  const html = renderToString(
    <CollectorContext.Provider value={collector}>
      {vnode}
    </CollectorContext.Provider>,
  );
  return { html, islands: collector.islands, title: collector.title };
}

/** Options of {@linkcode renderPage}: a `ResponseInit` plus rendering knobs. */
export interface RenderPageOptions extends ResponseInit {
  /** Title when the page sets none with `<Title>`. */
  defaultTitle?: string;
  /** The asset manifest; the current build's by default. */
  assets?: AssetManifest;
}

/**
 * Renders `Page` with `props` into an HTML `Response`: the document shell,
 * the hashed stylesheet, one module script per island kind used (plus
 * `modulepreload` of shared chunks), a CSP without inline script, and
 * `Cache-Control: private, no-store`. `init.status` and `init.headers` are
 * applied on top (headers given replace the defaults of the same name).
 *
 * @example
 * ```tsx
 * import { renderPage } from "./render_page.tsx";
 * const Hello = ({ data }: { data: string }) => <p>{data}</p>;
 * const res = await renderPage(Hello, { data: "hi", params: {}, url: new URL("http://x/") });
 * console.assert(res.headers.get("content-type")?.startsWith("text/html"));
 * ```
 */
export function renderPage<Data>(
  Page: ComponentType<PageProps<Data>>,
  props: PageProps<Data>,
  options: RenderPageOptions = {},
): Promise<Response> {
  const { defaultTitle = "Comet Chat", assets = currentAssets(), ...init } =
    options;
  const body = renderBody(<Page {...props} />);
  const scripts: string[] = [];
  const preloads = new Set<string>();
  for (const name of new Set(body.islands.map((i) => i.name))) {
    const asset = assets.islands[name];
    if (!asset) continue; // no build, or a stale one: the page still works without JS
    scripts.push(asset.src);
    for (const url of asset.preload) preloads.add(url);
  }
  const html = documentHtml({
    title: body.title ?? defaultTitle,
    bodyHtml: body.html,
    styles: assets.styles,
    scripts,
    preloads: [...preloads],
  });
  const headers = pageHeaders();
  new Headers(init.headers).forEach((value, key) => headers.set(key, value));
  return Promise.resolve(
    new Response(html, {
      status: init.status ?? 200,
      statusText: init.statusText,
      headers,
    }),
  );
}
