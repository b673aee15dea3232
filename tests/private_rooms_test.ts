/**
 * Private rooms over every way in, against a real server with two isolates:
 * a unique marker planted in a private room reaches its members and nobody
 * else, by WebSocket, SSE, long poll, history, posting, typing, presence,
 * the lobby, `GET /api/rooms`, the room page and its form post. Invites,
 * direct messages, bans, slow mode, moderators and administrators too.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { TestClient } from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { api, guest } from "./helpers/api.ts";

const MARKER = `marker-${crypto.randomUUID()}`;

Deno.test({
  name: "private rooms, invites, DMs and moderation over every way in",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0", CHAT_ADMINS: "root" },
    });
    const sockets: TestClient[] = [];
    const ws = async (token: string) => {
      const client = await TestClient.connect(server.wsUrl, { token });
      sockets.push(client);
      return client;
    };
    /** The status of one API request (`api` without the origin). */
    const status = async (
      method: string,
      path: string,
      token?: string | null,
      body?: unknown,
    ) => (await api(server.origin, method, path, token, body)).status;
    try {
      const owner = await guest(server.origin, "olga");
      const outsider = await guest(server.origin, "oscar");
      const created = await api(
        server.origin,
        "POST",
        "/api/rooms",
        owner.token,
        {
          room: "secret",
          visibility: "private",
        },
      );
      equal(created.status, 201, created.text);
      equal(created.json.owner, owner.user.id);
      const posted = await api(
        server.origin,
        "POST",
        "/api/rooms/secret/messages",
        owner.token,
        { id: "m1", text: MARKER },
      );
      equal(posted.status, 201, posted.text);
      const ownerSocket = await ws(owner.token);
      await ownerSocket.join("secret");

      await t.step(
        "a non-member gets forbidden and nothing else, everywhere",
        async () => {
          const { token } = outsider;
          const replies = [
            await api(
              server.origin,
              "GET",
              "/api/rooms/secret/messages",
              token,
            ),
            await api(
              server.origin,
              "GET",
              "/api/rooms/secret/messages?since=0&wait=0",
              token,
            ),
            await api(
              server.origin,
              "POST",
              "/api/rooms/secret/messages",
              token,
              { id: "x1", text: "hi" },
            ),
            await api(server.origin, "POST", "/api/rooms/secret/typing", token),
            await api(server.origin, "GET", "/api/rooms/secret/events", token),
            await api(server.origin, "GET", "/api/rooms/secret/members", token),
            await api(
              server.origin,
              "POST",
              "/api/rooms/secret/invites",
              token,
            ),
          ];
          for (const reply of replies) {
            equal(reply.status, 403, reply.text);
            equal(reply.json?.error?.code, "forbidden");
            assert(!reply.text.includes(MARKER));
            assert(!reply.text.includes("olga"));
          }
          const page = await api(server.origin, "GET", "/rooms/secret", token);
          equal(page.status, 403);
          assert(!page.text.includes(MARKER) && !page.text.includes("olga"));
          const form = await api(
            server.origin,
            "POST",
            "/rooms/secret",
            token,
            undefined,
            { "content-type": "application/x-www-form-urlencoded" },
          );
          equal(form.status, 403);
          assert(!form.text.includes(MARKER));
          const rooms = await api(server.origin, "GET", "/api/rooms", token);
          assert(!rooms.text.includes("secret"), rooms.text);
          const lobby = await api(server.origin, "GET", "/", token);
          assert(!lobby.text.includes("secret"));
          // The WebSocket: join is refused, and nothing of the room arrives.
          const socket = await ws(token);
          socket.send({ type: "join", room: "secret", since: 0 });
          const error = await socket.next((e) => e.type === "error");
          equal(error.code, "forbidden");
          socket.send({ type: "send", room: "secret", id: "x2", text: "hi" });
          equal((await socket.next((e) => e.ref === "x2")).code, "not_joined");
          ownerSocket.send({ type: "typing", room: "secret" });
          await api(
            server.origin,
            "POST",
            "/api/rooms/secret/messages",
            owner.token,
            {
              id: "m2",
              text: `${MARKER} again`,
            },
          );
          await ownerSocket.next((e) =>
            e.type === "ack" && e.id === "m1" || e.seq === 2
          );
          assert(
            !socket.frames.some((f) =>
              f.includes(MARKER) || f.includes("olga")
            ),
          );
        },
      );

      await t.step("without any identity a private room is 401", async () => {
        const history = await api(
          server.origin,
          "GET",
          "/api/rooms/secret/messages",
        );
        equal(history.status, 401);
        const events = await api(
          server.origin,
          "GET",
          "/api/rooms/secret/events",
        );
        equal(events.status, 401);
        const page = await api(server.origin, "GET", "/rooms/secret");
        equal(page.status, 401);
        assert(!page.text.includes(MARKER));
        const rooms = await api(server.origin, "GET", "/api/rooms");
        assert(!rooms.text.includes("secret"));
      });

      await t.step(
        "an invite makes its bearer a member; a revoked one does nothing",
        async () => {
          const invite = await api(
            server.origin,
            "POST",
            "/api/rooms/secret/invites",
            owner.token,
          );
          equal(invite.status, 201, invite.text);
          const revoked = await api(
            server.origin,
            "POST",
            "/api/rooms/secret/invites",
            owner.token,
          );
          equal(
            await status(
              "DELETE",
              `/api/rooms/secret/invites/${revoked.json.id}`,
              owner.token,
            ),
            204,
          );
          const late = await guest(server.origin, "lena");
          const refused = await api(
            server.origin,
            "POST",
            new URL(revoked.json.url).pathname,
            late.token,
          );
          equal(refused.status, 404);
          equal(
            await status("GET", "/api/rooms/secret/messages", late.token),
            403,
          );
          const redeemed = await api(
            server.origin,
            "POST",
            new URL(invite.json.url).pathname,
            outsider.token,
          );
          equal(redeemed.status, 303);
          equal(redeemed.headers.get("location"), "/rooms/secret");
          const history = await api(
            server.origin,
            "GET",
            "/api/rooms/secret/messages",
            outsider.token,
          );
          equal(history.status, 200);
          assert(history.text.includes(MARKER));
          const rooms = await api(
            server.origin,
            "GET",
            "/api/rooms",
            outsider.token,
          );
          assert(
            rooms.json.rooms.some((r: { room: string }) => r.room === "secret"),
          );
          const socket = await ws(outsider.token);
          const joined = await socket.join("secret");
          assert(JSON.stringify(joined).includes(MARKER));
        },
      );

      await t.step(
        "a DM is one room for its two people, closed to a third",
        async () => {
          const a = await guest(server.origin, "ann");
          const b = await guest(server.origin, "ben");
          const c = await guest(server.origin, "cat");
          const ab = await api(server.origin, "POST", "/api/dms", a.token, {
            user: b.user.id,
          });
          const ba = await api(server.origin, "POST", "/api/dms", b.token, {
            user: a.user.id,
          });
          equal(ab.status, 200, ab.text);
          equal(ab.json.room, ba.json.room);
          const room = ab.json.room;
          equal(
            await status("POST", `/api/rooms/${room}/messages`, b.token, {
              id: "d1",
              text: "psst",
            }),
            201,
          );
          equal(
            (await api(
              server.origin,
              "GET",
              `/api/rooms/${room}/messages`,
              a.token,
            )).json.messages[0].text,
            "psst",
          );
          equal(
            await status("GET", `/api/rooms/${room}/messages`, c.token),
            403,
          );
          equal(
            await status("POST", `/api/rooms/${room}/invites`, a.token),
            403,
          );
        },
      );

      await t.step(
        "a ban ends the user's open sockets on every isolate and keeps them out",
        async () => {
          const mod = await guest(server.origin, "mona");
          const troll = await guest(server.origin, "troll");
          await api(server.origin, "POST", "/api/rooms", owner.token, {
            room: "town",
          });
          equal(
            await status(
              "PUT",
              `/api/rooms/town/members/${mod.user.id}`,
              owner.token,
              { role: "moderator" },
            ),
            200,
          );
          // Sockets of the troll on both isolates (welcome.node tells them apart).
          const trollSockets: TestClient[] = [];
          for (
            let i = 0;
            i < 12 && new Set(trollSockets.map((s) => s.welcome.node)).size < 2;
            i++
          ) {
            const socket = await ws(troll.token);
            await socket.join("town");
            trollSockets.push(socket);
          }
          equal(
            new Set(trollSockets.map((s) => s.welcome.node)).size,
            2,
            "sockets on both isolates",
          );
          const sse = await SseClient.open(
            `${server.origin}/api/rooms/town/events?token=${
              encodeURIComponent(troll.token)
            }`,
          );
          const plain = await guest(server.origin, "pat");
          equal(
            await status("POST", "/api/rooms/town/bans", plain.token, {
              user: troll.user.id,
            }),
            403,
          );
          const ban = await api(
            server.origin,
            "POST",
            "/api/rooms/town/bans",
            mod.token,
            { user: troll.user.id, minutes: 5 },
          );
          equal(ban.status, 201, ban.text);
          const bans = await api(
            server.origin,
            "GET",
            "/api/rooms/town/bans",
            mod.token,
          );
          deepEqual(
            bans.json.bans.map((b: { user: string }) => b.user),
            [troll.user.id],
          );
          equal(
            await status("GET", "/api/rooms/town/bans", plain.token),
            403,
          );
          for (const socket of trollSockets) {
            const left = await socket.next((e) => e.type === "left");
            deepEqual(left, { type: "left", room: "town", reason: "banned" });
          }
          await sse.waitEnded();
          assert(sse.events.some((e) => e.event === "left"));
          const again = trollSockets[0];
          again.send({ type: "join", room: "town" });
          equal(
            (await again.next((e) => e.type === "error" && e.ref === "join"))
              .code,
            "forbidden",
          );
          equal(
            await status("POST", "/api/rooms/town/messages", troll.token, {
              id: "t1",
              text: "x",
            }),
            403,
          );
          equal(
            await status("GET", "/api/rooms/town/messages", troll.token),
            403,
          );
          // A moderator may not ban the owner; lifting the ban lets the user back.
          equal(
            await status("POST", "/api/rooms/town/bans", mod.token, {
              user: owner.user.id,
            }),
            403,
          );
          equal(
            await status(
              "DELETE",
              `/api/rooms/town/bans/${troll.user.id}`,
              mod.token,
            ),
            204,
          );
          equal(
            await status("GET", "/api/rooms/town/messages", troll.token),
            200,
          );
        },
      );

      await t.step(
        "moderators delete anyone's message; members only their own",
        async () => {
          const mem = await guest(server.origin, "meg");
          const other = await guest(server.origin, "otto");
          const stored = await api(
            server.origin,
            "POST",
            "/api/rooms/town/messages",
            mem.token,
            { id: "v1", text: "spam" },
          );
          const target = stored.json.seq;
          const refused = await api(
            server.origin,
            "POST",
            "/api/rooms/town/messages",
            other.token,
            { type: "delete", id: "del1", target },
          );
          equal(refused.status, 403);
          const done = await api(
            server.origin,
            "POST",
            "/api/rooms/town/messages",
            owner.token,
            { type: "delete", id: "del2", target },
          );
          equal(done.status, 201, done.text);
          const page = await api(
            server.origin,
            "GET",
            "/api/rooms/town/messages",
            mem.token,
          );
          const message = page.json.messages.find((m: { seq: number }) =>
            m.seq === target
          );
          equal(message.deleted, true);
        },
      );

      await t.step(
        "slow mode spaces a member's sends on every transport; moderators are exempt",
        async () => {
          equal(
            await status("PATCH", "/api/rooms/town", outsider.token, {
              slowModeSeconds: 30,
            }),
            403,
          );
          equal(
            await status("PATCH", "/api/rooms/town", owner.token, {
              slowModeSeconds: 30,
            }),
            200,
          );
          const slow = await guest(server.origin, "sam");
          equal(
            await status("POST", "/api/rooms/town/messages", slow.token, {
              id: "s1",
              text: "one",
            }),
            201,
          );
          const second = await api(
            server.origin,
            "POST",
            "/api/rooms/town/messages",
            slow.token,
            { id: "s2", text: "two" },
          );
          equal(second.status, 429);
          equal(second.json.error.code, "slow_mode");
          assert(second.json.error.retryAfterMs > 25_000);
          assert(Number(second.headers.get("retry-after")) >= 25);
          const socket = await ws(slow.token);
          await socket.join("town");
          socket.send({ type: "send", room: "town", id: "s3", text: "three" });
          equal((await socket.next((e) => e.ref === "s3")).code, "slow_mode");
          for (const id of ["o1", "o2"]) {
            equal(
              await status("POST", "/api/rooms/town/messages", owner.token, {
                id,
                text: id,
              }),
              201,
            );
          }
          await api(server.origin, "PATCH", "/api/rooms/town", owner.token, {
            slowModeSeconds: 0,
          });
        },
      );

      await t.step(
        "an administrator (a claimed name in CHAT_ADMINS) acts as owner everywhere",
        async () => {
          const fake = await guest(server.origin, "root");
          equal(
            await status("GET", "/api/rooms/secret/messages", fake.token),
            403,
            "a guest named root is nobody",
          );
          const claimed = await api(
            server.origin,
            "POST",
            "/api/account/password",
            fake.token,
            { password: "correct horse" },
          );
          equal(claimed.status, 201, claimed.text);
          const admin = claimed.json.token;
          equal(
            await status("GET", "/api/rooms/secret/messages", admin),
            200,
          );
          const rooms = await api(server.origin, "GET", "/api/rooms", admin);
          assert(rooms.text.includes("secret"));
          equal(
            await status("POST", "/api/rooms/town/bans", admin, {
              user: outsider.user.id,
              minutes: 1,
            }),
            201,
          );
        },
      );
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
      await server.stop();
    }
  },
});
