/**
 * Limits that count people, not sockets, against real server processes:
 * one user's sends over several WebSockets and HTTP at once share one
 * bucket per isolate; guests on new names from one address share the
 * address's; the connection caps close the WebSocket past them (4029) and
 * refuse the SSE stream past them (429).
 *
 * The server trusts 127.0.0.1 as a proxy, so each connection can say which
 * client address it comes from (`X-Forwarded-For`), as behind nginx.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer, type TestServer } from "./helpers/server.ts";
import { type Event, TestClient } from "./helpers/ws_client.ts";
import { api, guest } from "./helpers/api.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { sleep } from "./helpers/wait.ts";

const ISOLATES = 2;
const RATE = 1;
const BURST = 10;

/** A guest's WebSocket from `address`, greeted with `token` and joined to `room`. */
async function socketOf(
  server: TestServer,
  token: string,
  address: string,
  room: string,
): Promise<TestClient> {
  const client = await TestClient.open(server.wsUrl, {
    headers: { "x-forwarded-for": address },
  });
  client.send({ type: "hello", token });
  await client.next((e) => e.type === "welcome");
  await client.join(room);
  return client;
}

/** Polls `check` until it holds (closes reach the server a moment later). */
async function eventually(
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await sleep(20);
  }
}

/** What became of a WebSocket's sends with ids starting `prefix`. */
async function outcomes(
  client: TestClient,
  prefix: string,
  count: number,
): Promise<{ acked: number; refused: Event[] }> {
  const mine = (e: Event) =>
    (e.type === "ack" && String(e.id).startsWith(prefix)) ||
    (e.type === "error" && String(e.ref).startsWith(prefix));
  const answers = await client.collect(mine, count);
  return {
    acked: answers.filter((e) => e.type === "ack").length,
    refused: answers.filter((e) => e.type === "error"),
  };
}

/** `POST /api/rooms/:room/messages` from `address`: the status and body. */
function post(
  server: TestServer,
  token: string,
  address: string,
  room: string,
  id: string,
) {
  return api(server.origin, "POST", `/api/rooms/${room}/messages`, token, {
    id,
    text: id,
  }, { "x-forwarded-for": address });
}

Deno.test({
  name:
    "send limits count the person across WebSockets and HTTP, and a guest's address across names",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startServer({
      isolates: ISOLATES,
      env: {
        CHAT_SEND_RATE: String(RATE),
        CHAT_SEND_BURST: String(BURST),
        CHAT_TRUSTED_PROXIES: "127.0.0.1",
      },
    });
    try {
      await t.step(
        "one user on five connections: accepted ≤ isolates × burst (+ rate × elapsed)",
        async () => {
          const { token } = await guest(server.origin, "ann");
          // Every connection from its own address: only the user's bucket is shared.
          const sockets = await Promise.all(
            [1, 2, 3].map((i) =>
              socketOf(server, token, `198.51.100.${i}`, "r")
            ),
          );
          const PER = 30;
          const started = performance.now();
          sockets.forEach((s, i) => s.sendRange("r", `w${i}-`, 1, PER));
          const http = await Promise.all(
            [4, 5].flatMap((i) =>
              Array.from(
                { length: PER },
                (_, n) =>
                  post(server, token, `198.51.100.${i}`, "r", `h${i}-${n}`),
              )
            ),
          );
          const ws = await Promise.all(
            sockets.map((s, i) => outcomes(s, `w${i}-`, PER)),
          );
          const elapsed = (performance.now() - started) / 1000;
          const accepted = ws.reduce((sum, o) => sum + o.acked, 0) +
            http.filter((r) => r.status === 201).length;
          const refused = [
            ...ws.flatMap((o) =>
              o.refused.map((e) => [e.code, e.retryAfterMs])
            ),
            ...http.filter((r) => r.status !== 201).map((r) => [
              r.status === 429 && r.json.error.code,
              r.json.error.retryAfterMs,
            ]),
          ];
          equal(accepted + refused.length, 5 * PER);
          const bound = ISOLATES * (BURST + RATE * elapsed);
          assert(
            accepted >= BURST && accepted <= bound,
            `${accepted} sends accepted in ${elapsed.toFixed(2)} s (at most ${
              bound.toFixed(1)
            })`,
          );
          for (const [code, wait] of refused) {
            equal(code, "rate_limited");
            assert(
              typeof wait === "number" && wait > 0,
              `retryAfterMs ${wait}`,
            );
          }
          await Promise.all(sockets.map((s) => s.close()));
        },
      );

      await t.step(
        "guests on two names from one address share its limit",
        async () => {
          // Both names' sockets on one isolate, whose buckets then decide alone.
          const first = await socketOf(
            server,
            (await guest(server.origin, "g1")).token,
            "203.0.113.9",
            "q",
          );
          let second: TestClient | undefined;
          for (let i = 0; i < 40 && !second; i++) {
            const candidate = await socketOf(
              server,
              (await guest(server.origin, `g2-${i}`)).token,
              "203.0.113.9",
              "q",
            );
            if (candidate.welcome.node === first.welcome.node) {
              second = candidate;
            } else await candidate.close();
          }
          assert(second, "no second socket on the first one's isolate");
          const PER = 2 * BURST;
          const started = performance.now();
          first.sendRange("q", "a", 1, PER);
          second.sendRange("q", "b", 1, PER);
          const [a, b] = await Promise.all([
            outcomes(first, "a", PER),
            outcomes(second, "b", PER),
          ]);
          const elapsed = (performance.now() - started) / 1000;
          // Each name alone would get a whole burst: together they get one.
          const bound = BURST + RATE * elapsed;
          assert(
            a.acked + b.acked <= bound,
            `${a.acked} + ${b.acked} accepted in ${elapsed.toFixed(2)} s`,
          );
          assert(a.acked > 0, "the first guest sent nothing");
          deepEqual(
            new Set([...a.refused, ...b.refused].map((e) => e.code)),
            new Set(["rate_limited"]),
          );
          await Promise.all([first.close(), second.close()]);
        },
      );

      await t.step(
        "the pages' form posts (no JavaScript) take from the same limit",
        async () => {
          const { token } = await guest(server.origin, "former");
          const statuses: number[] = [];
          for (let i = 0; i < 2 * BURST; i++) {
            const res = await fetch(`${server.origin}/rooms/forms`, {
              method: "POST",
              redirect: "manual",
              headers: {
                cookie: `chat_session=${token}`,
                "content-type": "application/x-www-form-urlencoded",
              },
              body: new URLSearchParams({ text: `form ${i}`, id: `f${i}` }),
            });
            await res.body?.cancel();
            statuses.push(res.status);
          }
          const accepted = statuses.filter((s) => s === 303).length;
          assert(accepted >= 1, `${statuses}`);
          // Two isolates may each give a burst (+ the rate meanwhile).
          assert(accepted <= 2 * (BURST + 2 * RATE), `${statuses}`);
          assert(statuses.includes(429), `${statuses}`);
        },
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "connection caps close the WebSocket past them with 4029 and refuse the SSE stream with 429",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // One isolate: caps count per isolate, and every connection must meet.
    const server = await startServer({
      isolates: 1,
      env: {
        CHAT_MAX_CONNECTIONS_PER_USER: "2",
        CHAT_MAX_CONNECTIONS_PER_ADDRESS: "3",
        CHAT_TRUSTED_PROXIES: "127.0.0.1",
      },
    });
    const events = (address: string, token?: string) =>
      fetch(`${server.origin}/api/rooms/r/events`, {
        headers: {
          accept: "text/event-stream",
          "x-forwarded-for": address,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    const stream = (address: string, token?: string) =>
      SseClient.open(`${server.origin}/api/rooms/r/events`, {
        headers: {
          "x-forwarded-for": address,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    const open: Array<{ close(): Promise<void> | void }> = [];
    try {
      await t.step(
        "per user: a WebSocket and an SSE stream, then the third of each is refused",
        async () => {
          const { token } = await guest(server.origin, "ann");
          const ws = await socketOf(server, token, "198.51.100.1", "r");
          open.push(ws);
          const sse = await stream("198.51.100.2", token);
          open.push(sse);
          // The third connection, whatever its address: a WebSocket at hello…
          const third = await TestClient.open(server.wsUrl, {
            headers: { "x-forwarded-for": "198.51.100.3" },
          });
          third.send({ type: "hello", token });
          const closed = await third.closed();
          deepEqual([closed.code, closed.reason], [
            4029,
            "too many connections",
          ]);
          equal(third.events.length, 0);
          // …and an SSE stream at once.
          const refused = await events("198.51.100.4", token);
          equal(refused.status, 429);
          const body = await refused.json();
          equal(body.error.code, "rate_limited");
          assert(body.error.retryAfterMs > 0);
          // Another user is counted apart; a closed connection frees a place.
          const bob = await guest(server.origin, "bob");
          open.push(await socketOf(server, bob.token, "198.51.100.5", "r"));
          await ws.close();
          await eventually("a place freed", async () => {
            const res = await events("198.51.100.6", token);
            if (res.status !== 200) {
              await res.body?.cancel();
              return false;
            }
            open.push({ close: () => res.body?.cancel() });
            return true;
          });
        },
      );

      await t.step(
        "per address: the fourth connection from one address is refused, even before hello",
        async () => {
          const address = "203.0.113.9";
          const held = [
            await TestClient.open(server.wsUrl, {
              headers: { "x-forwarded-for": address },
            }),
            await TestClient.open(server.wsUrl, {
              headers: { "x-forwarded-for": address },
            }),
            await stream(address),
          ];
          open.push(...held);
          const fourth = await TestClient.open(server.wsUrl, {
            headers: { "x-forwarded-for": address },
          });
          const closed = await fourth.closed();
          deepEqual([closed.code, closed.reason], [
            4029,
            "too many connections",
          ]);
          const refused = await events(address);
          equal(refused.status, 429);
          equal((await refused.json()).error.code, "rate_limited");
          // Another address is counted apart.
          const other = await TestClient.open(server.wsUrl, {
            headers: { "x-forwarded-for": "203.0.113.10" },
          });
          open.push(other);
          await held[0].close();
          const freed = async () => {
            const res = await events(address);
            await res.body?.cancel();
            return res.status === 200;
          };
          await eventually("a place freed", freed);
          // The stream just opened and cancelled gave its place back too.
          await eventually("the stream's place freed", freed);
        },
      );
    } finally {
      for (const connection of open) await connection.close();
      await server.stop();
    }
  },
});
