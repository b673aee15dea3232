/**
 * Peer: Node's `http` + the `ws` package. Rooms are `Map<room, Set<socket>>`;
 * a broadcast is serialised once and written to every member.
 *
 * Usage: PORT=3000 node bench/peers/ws_server.mjs
 */
import http from "node:http";
import { WebSocketServer } from "ws";
import {
  checkJoin,
  checkSend,
  error,
  message,
  newUser,
  Sequencer,
  welcome,
} from "./protocol.mjs";

/** @type {Map<string, Set<import("ws").WebSocket>>} */
const rooms = new Map();
const seqs = new Sequencer();

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  } else {
    res.writeHead(404).end();
  }
});
const wss = new WebSocketServer({
  server,
  path: "/ws",
  perMessageDeflate: false,
  clientTracking: false,
});

wss.on("connection", (ws) => {
  /** @type {{id: string, name: string} | null} */
  let user = null;
  /** @type {Set<string>} */
  const joined = new Set();
  /** @param {object} event */
  const reply = (event) => ws.send(JSON.stringify(event));

  ws.on("message", (raw, isBinary) => {
    let frame;
    try {
      frame = JSON.parse(isBinary ? "" : raw.toString());
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
      reply({ type: "ack", id: frame.id, room: frame.room, seq });
      const data = Buffer.from(JSON.stringify(message(user, frame, seq)));
      for (const member of rooms.get(frame.room) ?? []) {
        member.send(data, { binary: false });
      }
    } else {
      reply(error("bad_request", "unknown type"));
    }
  });

  ws.on("close", () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(room);
    }
  });
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`ws peer listening on ${JSON.stringify(server.address())}`);
});
