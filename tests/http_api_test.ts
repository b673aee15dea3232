/**
 * The HTTP API over a real server: sessions, posting, history, errors.
 */
import assert, { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";

Deno.test({
  name: "HTTP API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "1", CHAT_SEND_BURST: "10" },
    });
    const api = (path: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set("authorization", `Bearer ${init.token}`);
      return fetch(`${server.origin}${path}`, { ...init, headers });
    };
    const errorCode = async (res: Response) => (await res.json()).error.code;
    try {
      let token = "";
      let userId = "";
      await t.step(
        "POST /api/session issues a token and an HttpOnly cookie",
        async () => {
          const res = await api("/api/session", {
            method: "POST",
            body: '{"name":"  alice "}',
          });
          equal(res.status, 201);
          const body = await res.json();
          equal(body.user.name, "alice");
          match(body.user.id, /^u_/);
          const cookie = res.headers.get("set-cookie") ?? "";
          match(cookie, /^chat_session=/);
          match(cookie, /HttpOnly/);
          match(cookie, /SameSite=Lax/);
          token = body.token;
          userId = body.user.id;
        },
      );

      await t.step(
        "renaming keeps the user id; the cookie works as identity",
        async () => {
          const res = await api("/api/session", {
            method: "POST",
            body: '{"name":"alicia"}',
            token,
          });
          const body = await res.json();
          equal(body.user.id, userId);
          equal(body.user.name, "alicia");
          const viaCookie = await api("/api/rooms/http/messages", {
            method: "POST",
            headers: { cookie: `chat_session=${body.token}` },
            body: '{"id":"c1","text":"via cookie"}',
          });
          equal(viaCookie.status, 201);
          await viaCookie.body?.cancel();
        },
      );

      await t.step("session errors", async () => {
        equal(
          await errorCode(
            await api("/api/session", { method: "POST", body: "{}" }),
          ),
          "bad_request",
        );
        equal(
          await errorCode(
            await api("/api/session", {
              method: "POST",
              body: '{"name":"\\u202e"}',
            }),
          ),
          "bad_request",
        );
        equal(
          await errorCode(
            await api("/api/session", { method: "POST", body: "[1]" }),
          ),
          "bad_request",
        );
      });

      await t.step(
        "POST messages: 201 then 200 with the same seq for a repeated id",
        async () => {
          const first = await api("/api/rooms/http/messages", {
            method: "POST",
            body: '{"id":"h1","text":"hello"}',
            token,
          });
          equal(first.status, 201);
          deepEqual(await first.json(), { room: "http", seq: 2, id: "h1" });
          const again = await api("/api/rooms/http/messages", {
            method: "POST",
            body: '{"id":"h1","text":"hello"}',
            token,
          });
          equal(again.status, 200);
          deepEqual(await again.json(), { room: "http", seq: 2, id: "h1" });
        },
      );

      await t.step("GET messages pages backwards", async () => {
        for (let n = 2; n <= 4; n++) {
          const res = await api("/api/rooms/http/messages", {
            method: "POST",
            body: `{"id":"h${n}","text":"m${n}"}`,
            token,
          });
          equal(res.status, 201);
          await res.body?.cancel();
        }
        const page = await (await api("/api/rooms/http/messages?limit=2"))
          .json();
        deepEqual(page.messages.map((m: { seq: number }) => m.seq), [4, 5]);
        equal(page.hasMore, true);
        const older =
          await (await api("/api/rooms/http/messages?before=4&limit=100"))
            .json();
        deepEqual(older.messages.map((m: { seq: number }) => m.seq), [1, 2, 3]);
        equal(older.hasMore, false);
        const rooms = await (await api("/api/rooms")).json();
        const http = rooms.rooms.find((r: { room: string }) =>
          r.room === "http"
        );
        equal(http.seq, 5);
        assert(http.lastTs > 0);
      });

      await t.step(
        "errors have the contract's codes and statuses",
        async () => {
          const cases: Array<
            [string, RequestInit & { token?: string }, number, string]
          > = [
            [
              "/api/rooms/http/messages",
              { method: "POST", body: '{"id":"x","text":"hi"}' },
              401,
              "unauthenticated",
            ],
            [
              "/api/rooms/http/messages",
              {
                method: "POST",
                body: '{"id":"x","text":"hi"}',
                token: "v1.bad.sig",
              },
              401,
              "unauthenticated",
            ],
            [
              "/api/rooms/Bad/messages",
              { method: "POST", body: '{"id":"x","text":"hi"}', token },
              400,
              "room_invalid",
            ],
            [
              "/api/rooms/http/messages",
              { method: "POST", body: "{oops", token },
              400,
              "bad_request",
            ],
            [
              "/api/rooms/http/messages",
              { method: "POST", body: '{"id":"x","text":""}', token },
              400,
              "text_invalid",
            ],
            [
              "/api/rooms/http/messages",
              { method: "POST", body: '{"id":"a b","text":"x"}', token },
              400,
              "bad_request",
            ],
            [
              "/api/rooms/http/messages",
              {
                method: "POST",
                body: `{"id":"x","text":"${"y".repeat(70_000)}"}`,
                token,
              },
              413,
              "too_large",
            ],
            [
              "/api/rooms/http/messages",
              {
                method: "POST",
                body: '{"id":"x","text":"hi"}',
                token,
                headers: { origin: "https://evil.example" },
              },
              403,
              "forbidden",
            ],
            ["/api/rooms/http/messages?limit=0", {}, 400, "bad_request"],
            ["/api/rooms/http/messages?before=-1", {}, 400, "bad_request"],
            ["/api/nothing-here", {}, 404, "not_found"],
          ];
          for (const [path, init, status, code] of cases) {
            const res = await api(path, init);
            equal(res.status, status, `${init.method ?? "GET"} ${path}`);
            equal(
              await errorCode(res),
              code,
              `${init.method ?? "GET"} ${path}`,
            );
          }
          const history =
            await (await api("/api/rooms/http/messages?limit=100")).json();
          equal(history.messages.length, 5, "no error stored anything");
        },
      );

      await t.step("posting too fast gets 429 with Retry-After", async () => {
        const session = await (await api("/api/session", {
          method: "POST",
          body: '{"name":"spam"}',
        })).json();
        let limited: Response | undefined;
        for (let n = 0; n < 20 && !limited; n++) {
          const res = await api("/api/rooms/spam/messages", {
            method: "POST",
            body: `{"id":"s${n}","text":"x"}`,
            token: session.token,
          });
          if (res.status === 429) limited = res;
          else await res.body?.cancel();
        }
        assert(limited, "rate limited");
        notEqual(limited.headers.get("retry-after"), null);
        equal(await errorCode(limited), "rate_limited");
      });

      await t.step("healthz and metrics", async () => {
        const health = await (await api("/healthz")).json();
        equal(health.ok, true);
        const metrics = await (await api("/metrics")).text();
        match(metrics, /# TYPE chat_messages_stored_total counter/);
      });
    } finally {
      await server.stop();
    }
  },
});
