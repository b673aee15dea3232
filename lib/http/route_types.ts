/**
 * The shape of a file in `routes/`, Fresh-style: a route module exports a
 * `handler` (one function, or one per HTTP method) and, for pages, a default
 * Preact component that `ctx.render(data)` renders on the server.
 *
 * `routes/rooms/[room].tsx` serves `/rooms/:room`; `routes/index.tsx` serves
 * `/`; `routes/api/rooms/[room]/messages.ts` serves
 * `/api/rooms/:room/messages`.
 *
 * @module
 */
import type { ComponentType } from "preact";
import type { App } from "../server/app.ts";

/** HTTP methods a route may answer. */
export type Method =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "PATCH"
  | "DELETE"
  | "OPTIONS";

/** What a handler gets besides the request. */
export interface RouteContext {
  /** The per-isolate application: storage, rooms, presence, sessions. */
  readonly app: App;
  /** Path parameters, already URL-decoded (`[room]` → `params.room`). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed request URL. */
  readonly url: URL;
  /**
   * The client's address, for limits and logs: the peer's, or behind a
   * proxy in `CHAT_TRUSTED_PROXIES` the one it names (`clientAddress`).
   */
  readonly remoteAddr: string;
  /** Renders the route's default-exported page component with `data`. */
  render(data: unknown, init?: ResponseInit): Promise<Response>;
}

/** A request handler. */
export type Handler = (
  req: Request,
  ctx: RouteContext,
) => Response | Promise<Response>;

/** One handler per method; missing methods answer 405. */
export type Handlers = Partial<Record<Method, Handler>>;

/** Props a page component receives. */
export interface PageProps<Data = unknown> {
  data: Data;
  params: Readonly<Record<string, string>>;
  url: URL;
}

/** A module in `routes/`. */
export interface RouteModule {
  handler?: Handler | Handlers;
  // deno-lint-ignore no-explicit-any -- each page narrows its own data type
  default?: ComponentType<PageProps<any>>;
}

/** One entry of the generated route manifest. */
export interface RouteEntry {
  /** A URLPattern pathname, such as `/rooms/:room`. */
  pattern: string;
  module: RouteModule;
}
