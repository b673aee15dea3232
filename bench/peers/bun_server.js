// @ts-nocheck -- runs under Bun and uses the `Bun` global, whose types are not installed here.
/**
 * Peer: Bun's native WebSocket pub/sub. One topic per room; `server.publish`
 * sends a broadcast to every subscriber, the sender included.
 *
 * Usage: PORT=3000 bun bench/peers/bun_server.js
 *
 * Bench only: with `BENCH_GC_ROUTE=1`, `POST /__bench/gc` runs a synchronous
 * full garbage collection (`Bun.gc(true)`), so that the idle scenario can
 * read RSS after GC as it does for the V8 servers through their inspector.
 */
import {
  checkJoin,
  checkSend,
  error,
  message,
  newUser,
  Sequencer,
  welcome,
} from "./protocol.mjs";

const seqs = new Sequencer();
const gcRoute = process.env.BENCH_GC_ROUTE === "1";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  fetch(req, srv) {
    const { pathname } = new URL(req.url);
    if (pathname === "/healthz") return Response.json({ ok: true });
    if (gcRoute && pathname === "/__bench/gc" && req.method === "POST") {
      Bun.gc(true);
      return Response.json({ ok: true });
    }
    if (pathname === "/ws" && srv.upgrade(req, { data: { user: null } })) {
      return undefined;
    }
    return new Response("not found", { status: 404 });
  },
  websocket: {
    perMessageDeflate: false,
    message(ws, raw) {
      let frame;
      try {
        frame = JSON.parse(raw);
      } catch {
        ws.send(JSON.stringify(error("bad_request", "not JSON")));
        return;
      }
      const user = ws.data.user;
      if (frame.type === "hello") {
        ws.data.user = newUser(frame.name);
        ws.send(JSON.stringify(welcome(ws.data.user)));
        return;
      }
      if (user === null) {
        ws.send(JSON.stringify(error("unauthenticated", "hello first")));
        return;
      }
      if (frame.type === "join") {
        const bad = checkJoin(frame);
        if (bad) return void ws.send(JSON.stringify(bad));
        ws.subscribe(frame.room);
        ws.send(JSON.stringify({
          type: "joined",
          room: frame.room,
          seq: seqs.head(frame.room),
          messages: [],
          online: [],
          recovered: true,
        }));
      } else if (frame.type === "send") {
        const bad = checkSend(frame) ??
          (ws.isSubscribed(frame.room)
            ? null
            : error("not_joined", "join first", frame.id));
        if (bad) return void ws.send(JSON.stringify(bad));
        const seq = seqs.next(frame.room);
        ws.send(JSON.stringify({
          type: "ack",
          id: frame.id,
          room: frame.room,
          seq,
        }));
        server.publish(frame.room, JSON.stringify(message(user, frame, seq)));
      } else {
        ws.send(JSON.stringify(error("bad_request", "unknown type")));
      }
    },
  },
});

console.log(`bun peer listening on ${server.hostname}:${server.port}`);
