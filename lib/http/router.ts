/**
 * The router: matches a request against the route manifest (generated from
 * `routes/`) with `URLPattern`, and calls the route's handler with a
 * {@linkcode RouteContext}.
 *
 * @module
 */
import type { ComponentType } from "preact";
import type { App } from "../server/app.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { errorResponse } from "./responses.ts";
import { refreshStaleCookie } from "./session_refresh.ts";
import { clientAddress } from "../throttle/client_address.ts";
import type {
  Handler,
  Handlers,
  Method,
  PageProps,
  RouteContext,
  RouteEntry,
  RouteModule,
} from "./route_types.ts";

/** Renders a page component to a response (provided by `lib/render`). */
export type PageRenderer = (
  // deno-lint-ignore no-explicit-any -- pages narrow their own data type
  component: ComponentType<PageProps<any>>,
  props: PageProps,
  init?: ResponseInit,
) => Promise<Response>;

interface CompiledRoute {
  pattern: URLPattern;
  module: RouteModule;
  static: boolean;
}

/** Options of {@linkcode createRouter}. */
export interface RouterOptions {
  /**
   * The page for a path no route matches, for browsers (requests that
   * accept `text/html`) outside `/api/`; everything else gets the JSON
   * `not_found` error. Without it, every miss is JSON.
   */
  notFound?: ComponentType<PageProps<undefined>>;
}

/** Whether a miss on `url` should be answered with the HTML page. */
export function wantsHtmlPage(req: Request, url: URL): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return false;
  // Browsers navigating ask for text/html; curl's `*/*` and API clients don't.
  return /(^|,)\s*text\/html\b/i.test(req.headers.get("accept") ?? "");
}

/** Connection details the runtime passes along with a request. */
export interface RequestInfo {
  remoteAddr: string;
}

/** Builds the app's fetch handler from the manifest. */
export function createRouter(
  app: App,
  routes: readonly RouteEntry[],
  renderPage: PageRenderer,
  options: RouterOptions = {},
): (req: Request, info?: RequestInfo) => Promise<Response> {
  const exact = new Map<string, RouteModule>();
  const compiled: CompiledRoute[] = [];
  for (const { pattern, module } of routes) {
    const isStatic = !/[:*(]/.test(pattern);
    if (isStatic) exact.set(pattern, module);
    compiled.push({
      pattern: new URLPattern({ pathname: pattern }),
      module,
      static: isStatic,
    });
  }

  function match(
    url: URL,
  ): { module: RouteModule; params: Record<string, string> } | null {
    const module = exact.get(url.pathname);
    if (module) return { module, params: {} };
    for (const route of compiled) {
      if (route.static) continue;
      const result = route.pattern.exec({ pathname: url.pathname });
      if (!result) continue;
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.pathname.groups)) {
        if (value === undefined) continue;
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          params[name] = value;
        }
      }
      return { module: route.module, params };
    }
    return null;
  }

  return async (req, info) => {
    const url = new URL(req.url);
    try {
      const found = match(url);
      if (
        !found?.module.handler && !found?.module.default && options.notFound &&
        wantsHtmlPage(req, url)
      ) {
        return await renderPage(options.notFound, {
          data: undefined,
          params: {},
          url,
        }, { status: 404 });
      }
      if (!found?.module.handler && !found?.module.default) {
        throw new ProtocolError("not_found", `Nothing at ${url.pathname}`);
      }
      const { module, params } = found;
      const ctx: RouteContext = {
        app,
        params,
        url,
        remoteAddr: clientAddress(
          req,
          info?.remoteAddr ?? "",
          app.config.trustedProxies,
        ),
        render(data, init) {
          if (!module.default) {
            throw new TypeError(
              `Cannot render ${url.pathname}: the route has no page component`,
            );
          }
          return renderPage(module.default, { data, params, url }, init);
        },
      };
      const handler = pickHandler(module, req.method as Method);
      if (!handler) {
        return new Response("Method Not Allowed", {
          status: 405,
          headers: { allow: allowedMethods(module).join(", ") },
        });
      }
      const response = await handler(req, ctx);
      if (module.default && req.method === "GET") {
        await refreshStaleCookie(req, url, app.sessions, response);
      }
      return response;
    } catch (error) {
      if (error instanceof ProtocolError) return errorResponse(error);
      app.log.error("request failed", error, {
        method: req.method,
        path: url.pathname,
      });
      return errorResponse(
        new ProtocolError("internal", "Internal server error"),
      );
    }
  };
}

function pickHandler(module: RouteModule, method: Method): Handler | undefined {
  const { handler } = module;
  if (typeof handler === "function") return handler;
  if (handler) {
    return handler[method] ?? (method === "HEAD" ? handler.GET : undefined);
  }
  // A page without a handler renders on GET.
  if (module.default && (method === "GET" || method === "HEAD")) {
    return (_req, ctx) => ctx.render(undefined);
  }
  return undefined;
}

function allowedMethods(module: RouteModule): string[] {
  const { handler } = module;
  if (typeof handler === "function") return ["*"];
  if (handler) return Object.keys(handler as Handlers);
  return ["GET", "HEAD"];
}
