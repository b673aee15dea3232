/**
 * Floor: a bare Deno server (`Deno.serve` + `Deno.upgradeWebSocket`) doing
 * the peers' job (hello, join, send → ack + broadcast, no storage), written
 * like the Node + ws peer. Not a competitor: it shows what Deno's own
 * WebSocket path costs, so ours can be read against the runtime it runs on.
 *
 * With `KV_PATH` set, each message is stored in Deno KV before its ack and
 * broadcast (`deno_kv_store.js`): the storage floor.
 *
 * Usage: PORT=3000 deno run --allow-net --allow-env bench/peers/deno_server.js
 *        KV_PATH=/tmp/x.kv PORT=3000 deno run --unstable-kv --allow-net --allow-env --allow-read --allow-write bench/peers/deno_server.js
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
import { KvStore } from "./deno_kv_store.js";

/** @type {Map<string, Set<WebSocket>>} */
const rooms = new Map();
const seqs = new Sequencer();
const kvPath = Deno.env.get("KV_PATH");
const store = kvPath ? new KvStore(await Deno.openKv(kvPath)) : null;

/** @param {WebSocket} ws */
function serve(ws) {
  /** @type {{id: string, name: string} | null} */
  let user = null;
  /** @type {Set<string>} */
  const joined = new Set();
  /** @param {object} event */
  const reply = (event) => ws.send(JSON.stringify(event));

  ws.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(typeof event.data === "string" ? event.data : "");
    } catch {
      return reply(error("bad_request", "not JSON"));
    }
    if (frame.type === "hello") {
      user = newUser(frame.name);
      return reply(welcome(user));
    }
    if (user === null) return reply(error("unauthenticated", "hello first"));
    if (frame.type === "join") {
      const bad = checkJoin(frame);
      if (bad) return reply(bad);
      let members = rooms.get(frame.room);
      if (!members) rooms.set(frame.room, members = new Set());
      members.add(ws);
      joined.add(frame.room);
      reply({
        type: "joined",
        room: frame.room,
        seq: seqs.head(frame.room),
        messages: [],
        online: [],
        recovered: true,
      });
    } else if (frame.type === "send") {
      const bad = checkSend(frame) ??
        (joined.has(frame.room)
          ? null
          : error("not_joined", "join first", frame.id));
      if (bad) return reply(bad);
      const seq = seqs.next(frame.room);
      const stored = message(user, frame, seq);
      const deliver = () => {
        reply({ type: "ack", id: frame.id, room: frame.room, seq });
        const data = JSON.stringify(stored);
        for (const member of rooms.get(frame.room) ?? []) {
          if (member.readyState === WebSocket.OPEN) member.send(data);
        }
      };
      if (store === null) return deliver();
      store.append(stored).then(
        deliver,
        () => reply(error("unavailable", "storage failed", frame.id)),
      );
    } else {
      reply(error("bad_request", "unknown type"));
    }
  };

  ws.onclose = () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(room);
    }
  };
}

Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 3000),
  onListen: (addr) =>
    console.log(`deno peer listening on ${JSON.stringify(addr)}`),
}, (req) => {
  const { pathname } = new URL(req.url);
  if (pathname === "/healthz") return Response.json({ ok: true });
  if (pathname !== "/ws") return new Response(null, { status: 404 });
  // No WebSocket-level ping timer, as ours (and the ws peer) run.
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  serve(socket);
  return response;
});
