import { deepEqual, equal, match } from "node:assert/strict";
import { type App, createApp } from "../lib/server/app.ts";
import type { RuntimeAdapter } from "../lib/server/runtime.ts";
import type { RouteContext } from "../lib/http/route_types.ts";
import { handler } from "./healthz.ts";

/** A real app on an in-memory KV whose reads the test can make fail. */
async function appOnMemoryKv(): Promise<{ app: App; breakStorage(): void }> {
  const memory = await Deno.openKv(":memory:");
  let broken = false;
  const kv = new Proxy(memory, {
    get(target, property) {
      if (property === "get" && broken) {
        return () => Promise.reject(new Error("database is unreachable"));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const env: Record<string, string> = { CHAT_LOG: "silent" };
  const runtime: RuntimeAdapter = {
    env: (name) => env[name],
    openKv: () => Promise.resolve(kv),
    upgradeWebSocket: (req) => Deno.upgradeWebSocket(req),
    onShutdown: () => {},
  };
  return {
    app: await createApp(runtime),
    breakStorage: () => broken = true,
  };
}

async function getHealth(app: App): Promise<Response> {
  const url = new URL("http://localhost/healthz");
  const ctx: RouteContext = {
    app,
    params: {},
    url,
    remoteAddr: "127.0.0.1",
    render: () => Promise.reject(new Error("not a page")),
  };
  return await handler.GET!(new Request(url), ctx);
}

Deno.test("healthz is 200 while storage answers and 503 once it can't", async () => {
  const { app, breakStorage } = await appOnMemoryKv();
  try {
    const up = await getHealth(app);
    equal(up.status, 200);
    const body = await up.json();
    equal(body.ok, true);
    equal(body.node, app.node);
    equal(body.reason, undefined);
    equal(typeof body.uptimeMs, "number");
    equal(body.connections, 0);

    breakStorage();
    const down = await getHealth(app);
    equal(down.status, 503);
    const failed = await down.json();
    deepEqual([failed.ok, failed.node], [false, app.node]);
    match(failed.reason, /unreachable/);
  } finally {
    app.close();
  }
});
