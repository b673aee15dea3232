/**
 * What a socket keeps after a `joined` with history, with and without
 * vectored WebSocket writes (`DENO_USE_WRITEV`).
 *
 * Deno 2.9 writes a WebSocket frame by copying it into a per-socket buffer
 * that keeps its largest size for the life of the socket, unless
 * `DENO_USE_WRITEV` is set (then header and payload go out as one `writev`).
 * The idle benchmark joins empty rooms, so its frames are a few hundred
 * bytes; a real join carries the room's latest 50 messages. This starts our
 * server (one isolate, a fresh KV file), fills rooms of 10 with 60 messages
 * each, opens `N` sockets that each say hello and join one, and reads the
 * server's RSS before and after (no GC forced: the same for both runs, and
 * the buffers are native memory a GC does not free).
 *
 * Usage: node bench/joined_memory.mjs [N=3000] [text chars=200]
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectAndJoin, connectMany, request } from "./load/clients.mjs";
import { rssKiB } from "./load/procstat.mjs";

const N = Number(process.argv[2] ?? 3000);
const TEXT = "x".repeat(Number(process.argv[3] ?? 200));
const PORT = 8131;
const ROOM_SIZE = 10;
const MESSAGES = 60;
const target = {
  proto: /** @type {const} */ ("json"),
  host: "127.0.0.1",
  port: PORT,
};

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One measurement: a fresh server, a filled room, N joins.
 * @param {boolean} writev whether the server runs with `DENO_USE_WRITEV=1`
 */
async function measure(writev) {
  const dir = mkdtempSync(join(tmpdir(), "joined-memory-"));
  const server = spawn("deno", [
    "serve",
    "--unstable-kv",
    "--allow-all",
    "--host=127.0.0.1",
    `--port=${PORT}`,
    "main.ts",
  ], {
    env: {
      ...process.env,
      CHAT_KV_PATH: join(dir, "chat.kv"),
      CHAT_SEND_RATE: "0",
      CHAT_MAX_CONNECTIONS_PER_ADDRESS: "0",
      ...(writev ? { DENO_USE_WRITEV: "1" } : {}),
    },
    stdio: "ignore",
  });
  try {
    for (let i = 0; i < 200; i++) {
      const ok = await fetch(`http://127.0.0.1:${PORT}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(50);
    }
    const rooms = Math.ceil(N / ROOM_SIZE);
    const writers = await connectMany(rooms, 16, async (r) => {
      const writer = await connectAndJoin(target, `writer${r}`, `h${r}`);
      for (let i = 0; i < MESSAGES; i++) {
        await request(
          writer,
          { type: "send", room: `h${r}`, id: `m${i}`, text: TEXT },
          "ack",
        );
      }
      writer.destroy();
    });
    if (writers.failed) throw new Error(writers.firstError);
    await sleep(3000);
    const before = rssKiB(/** @type {number} */ (server.pid));
    const { clients, failed } = await connectMany(
      N,
      64,
      (i) =>
        connectAndJoin(target, `reader${i}`, `h${Math.floor(i / ROOM_SIZE)}`),
    );
    await sleep(3000);
    const after = rssKiB(/** @type {number} */ (server.pid));
    for (const client of clients) client?.destroy();
    return { perSocketKiB: (after - before) / (N - failed), failed };
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const writev of [false, true, false, true]) {
  const { perSocketKiB, failed } = await measure(writev);
  console.log(
    `DENO_USE_WRITEV ${writev ? "=1  " : "unset"}: ${
      perSocketKiB.toFixed(1)
    } KiB RSS per socket (${N} joins, rooms of ${ROOM_SIZE}, each joined with 50 messages of ${TEXT.length} chars${
      failed ? `, ${failed} failed` : ""
    })`,
  );
}
process.exit(0);
