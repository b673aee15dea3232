/**
 * What computing a person's unread and mention counts costs: one person in
 * `rooms` rooms, each with `messages` messages of others, asks
 * `GET /api/rooms` (which counts every room they are in from their stored
 * position) `requests` times, one after another; the wall time of each,
 * for three positions:
 *
 * - everything read (no events to scan);
 * - `unread` unread messages per room (that many events scanned per room);
 * - never read with more than 1 000 messages per room (the scan stops at
 *   the latest 1 000 events: `capped`).
 *
 * A real server process of one isolate, embedded engine (or Redis with
 * `--redis=<url>`), quiet otherwise.
 *
 * Usage: deno run -A bench/unread_counts.ts [rooms=50] [messages=1200]
 *   [unread=20] [requests=40] [--redis=redis://127.0.0.1:6379]
 *
 * @module
 */
import { startServer } from "../tests/helpers/server.ts";
import { TestClient } from "../tests/helpers/ws_client.ts";
import { api, guest } from "../tests/helpers/api.ts";

const args = Deno.args.filter((a) => !a.startsWith("--"));
const ROOMS = Number(args[0] ?? 50);
const MESSAGES = Number(args[1] ?? 1200);
const UNREAD = Number(args[2] ?? 20);
const REQUESTS = Number(args[3] ?? 40);
const redis = Deno.args.find((a) => a.startsWith("--redis="))?.slice(8);

const env: Record<string, string> = {
  CHAT_SEND_RATE: "0",
  CHAT_LOG: "silent",
  CHAT_MAX_CONNECTIONS_PER_ADDRESS: "0",
};
if (redis) env.CHAT_REDIS_URL = redis;
const server = await startServer({ isolates: 1, env });
const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-${i}`);

try {
  const reader = await guest(server.origin, "reader");
  const writer = await guest(server.origin, "writer");
  // The reader joins every room once: they are in it, position 0.
  const readerWs = await TestClient.connect(server.wsUrl, {
    token: reader.token,
  });
  for (const room of rooms) {
    readerWs.send({ type: "join", room });
    await readerWs.next((e) => e.type === "joined" && e.room === room);
    readerWs.send({ type: "leave", room });
  }
  // The writer fills each room, pipelined over one socket.
  const writerWs = await TestClient.connect(server.wsUrl, {
    token: writer.token,
  });
  for (const room of rooms) {
    writerWs.send({ type: "join", room });
    await writerWs.next((e) => e.type === "joined" && e.room === room);
  }
  const acked = () => writerWs.events.filter((e) => e.type === "ack").length;
  for (let i = 0; i < MESSAGES; i++) {
    for (const room of rooms) {
      writerWs.send({
        type: "send",
        room,
        id: `m${i}`,
        text: `message ${i} in ${room}`,
      });
    }
    if (i % 20 === 19) {
      while (acked() < (i + 1) * ROOMS) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  while (acked() < MESSAGES * ROOMS) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await writerWs.close();

  const measure = async (label: string) => {
    const times: number[] = [];
    let sample: Record<string, unknown> | undefined;
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const { json } = await api(
        server.origin,
        "GET",
        "/api/rooms",
        reader.token,
      );
      times.push(performance.now() - started);
      sample = (json.rooms as Array<Record<string, unknown>>).find((r) =>
        r.room === rooms[0]
      );
    }
    times.sort((a, b) => a - b);
    const at = (q: number) =>
      times[Math.min(times.length - 1, Math.floor(q * times.length))];
    console.log(
      `${label.padEnd(34)} p50 ${at(0.5).toFixed(1)} ms  p95 ${
        at(0.95).toFixed(1)
      } ms  ` +
        `(room 0: unread ${sample?.unread}${sample?.capped ? ", capped" : ""})`,
    );
  };

  console.log(
    `${ROOMS} rooms × ${MESSAGES} messages, ${REQUESTS} requests each, engine ${
      redis ? "redis" : "embedded"
    }`,
  );
  await measure("never read (scan capped at 1 000)");
  const read = async (behind: number) => {
    for (const room of rooms) {
      const reply = await api(
        server.origin,
        "POST",
        `/api/rooms/${room}/read`,
        reader.token,
        { seq: MESSAGES - behind },
      );
      if (reply.status !== 204) throw new Error(reply.text);
    }
  };
  await read(UNREAD);
  await measure(`${UNREAD} unread per room`);
  await read(0);
  await measure("everything read");
  await readerWs.close();
} finally {
  await server.stop();
}
