/**
 * Peer: Socket.IO. Event names mirror our frame types (`hello` → `welcome`,
 * `join` → `joined`, `send` → `ack` + `message`); rooms are Socket.IO rooms
 * and a broadcast is `io.to(room).emit("message", …)`, the sender included.
 * Socket.IO has its own framing, so its load generator uses
 * `socket.io-client`.
 *
 * Usage: PORT=3000 node bench/peers/socketio_server.mjs
 */
import http from "node:http";
import { Server } from "socket.io";
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

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  } else if (!req.url?.startsWith("/socket.io/")) {
    res.writeHead(404).end();
  }
});
const io = new Server(server, { serveClient: false, perMessageDeflate: false });

io.on("connection", (socket) => {
  /** @type {{id: string, name: string} | null} */
  let user = null;

  socket.on("hello", (frame) => {
    user = newUser(frame?.name);
    socket.emit("welcome", welcome(user));
  });

  socket.on("join", (frame) => {
    if (user === null) {
      return socket.emit("error", error("unauthenticated", "hello first"));
    }
    const bad = checkJoin(frame ?? {});
    if (bad) return socket.emit("error", bad);
    socket.join(frame.room);
    socket.emit("joined", {
      type: "joined",
      room: frame.room,
      seq: seqs.head(frame.room),
      messages: [],
      online: [],
      recovered: true,
    });
  });

  socket.on("send", (frame) => {
    if (user === null) {
      return socket.emit("error", error("unauthenticated", "hello first"));
    }
    const bad = checkSend(frame ?? {}) ??
      (socket.rooms.has(frame.room)
        ? null
        : error("not_joined", "join first", frame.id));
    if (bad) return socket.emit("error", bad);
    const seq = seqs.next(frame.room);
    socket.emit("ack", { type: "ack", id: frame.id, room: frame.room, seq });
    io.to(frame.room).emit("message", message(user, frame, seq));
  });
});

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(
    `socket.io peer listening on ${JSON.stringify(server.address())}`,
  );
});
