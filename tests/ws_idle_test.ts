/**
 * Liveness over a real socket with short timers: a client that keeps sending
 * `ping` stays connected, one that goes silent is closed with 1001, and the
 * others in its room see it leave.
 */
import { equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { leftBy, TestClient } from "./helpers/ws_client.ts";
import { sleep } from "./helpers/wait.ts";

const IDLE_MS = 600;

Deno.test({
  name: "silent WebSockets are closed, pinging ones stay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      isolates: 1,
      env: {
        CHAT_WS_IDLE_MS: String(IDLE_MS),
        CHAT_PRESENCE_GRACE_MS: "0",
      },
    });
    const watcher = await TestClient.connect(server.wsUrl, { name: "watcher" });
    const silent = await TestClient.connect(server.wsUrl, { name: "silent" });
    let pinging = true;
    try {
      await watcher.join("idle-room");
      await silent.join("idle-room");
      const silentId = (silent.welcome.user as { id: string }).id;
      const pinger = (async () => {
        while (pinging) {
          watcher.send({ type: "ping" });
          await sleep(IDLE_MS / 4);
        }
      })();
      const closed = await silent.closed(IDLE_MS * 5);
      equal(closed.code, 1001);
      await watcher.next(leftBy("idle-room", silentId), IDLE_MS * 5);
      // The pinging client outlived three idle periods.
      await sleep(IDLE_MS * 2);
      pinging = false;
      await pinger;
      watcher.send({ type: "ping" });
      await watcher.next((e) => e.type === "pong");
    } finally {
      pinging = false;
      await watcher.close();
      await silent.close();
      await server.stop();
    }
  },
});
