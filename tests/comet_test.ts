/**
 * The comet transports over a real server with two isolates: SSE and long
 * polling in the same rooms as WebSocket clients, with the same delivery
 * promise (every message once, in order, whoever sent it and wherever).
 */
import assert, { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { sleep } from "./helpers/wait.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import {
  clientsOnDistinctIsolates,
  type Event,
  TestClient,
} from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { newSession, postMessage } from "./helpers/http.ts";

type Message = Record<string, unknown> & { seq: number };

const isMessage = (room: string) => (e: Event) =>
  e.type === "message" && e.room === room;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** POSTs a message on a fresh connection (so posts spread over isolates). */
async function post(
  server: TestServer,
  token: string,
  room: string,
  id: string,
  text: string,
): Promise<number> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  try {
    const { status, body } = await postMessage(
      server.origin,
      token,
      room,
      { id, text },
      { client },
    );
    assert(status === 201 || status === 200, JSON.stringify(body));
    return Number(body.seq);
  } finally {
    client.close();
  }
}

/** Opens SSE streams until there is one on each of `count` isolates. */
async function streamsOnDistinctIsolates(
  url: string,
  count: number,
): Promise<SseClient[]> {
  const byNode = new Map<string, SseClient>();
  for (let attempt = 0; attempt < 40 && byNode.size < count; attempt++) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    const stream = await SseClient.open(url, { client });
    if (byNode.has(stream.node)) await stream.close();
    else byNode.set(stream.node, stream);
  }
  if (byNode.size < count) {
    throw new Error(`SSE streams found only ${byNode.size} isolates`);
  }
  return [...byNode.values()];
}

/** Waits until `count` isolates answer `/healthz` (all have started). */
/** A long-poll client that keeps polling and records what it gets. */
class Poller {
  readonly messages: Message[] = [];
  since: number;
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(url: string, since: number) {
    this.since = since;
    this.#loop = this.#run(url);
  }

  async #run(url: string): Promise<void> {
    while (!this.#stopped) {
      const res: Response = await fetch(`${url}?since=${this.since}&wait=2`);
      const body = await res.json();
      equal(res.status, 200, JSON.stringify(body));
      this.messages.push(...body.messages);
      this.since = body.seq;
    }
  }

  async waitFor(count: number, timeoutMs = 10_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `Long poll got ${this.messages.length} of ${count} messages`,
        );
      }
      await sleep(50);
    }
    return this.messages;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

function assertContiguous(messages: Message[], from: number, to: number) {
  deepEqual(messages.map((m) => m.seq), range(from, to));
}

Deno.test({
  name: "SSE and long polling over two isolates",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0", CHAT_PRESENCE_GRACE_MS: "100" },
    });
    const api = (room: string, path: string) =>
      `${server.origin}/api/rooms/${room}/${path}`;
    const closers: Array<() => Promise<void>> = [];
    try {
      await t.step(
        "WS, SSE and long-poll clients all get every message once, in order, whoever sent it",
        async () => {
          const room = "mixed";
          const [wa, wb] = await clientsOnDistinctIsolates(server.wsUrl, 2);
          closers.push(() => wa.close(), () => wb.close());
          await wa.join(room);
          await wb.join(room);
          const token = await newSession(server.origin, "carol");
          const sse = await streamsOnDistinctIsolates(
            api(room, "events") + `?token=${token}`,
            2,
          );
          closers.push(...sse.map((s) => () => s.close()));
          notEqual(sse[0].node, sse[1].node);
          const poller = new Poller(api(room, "messages"), 0);
          closers.push(() => poller.stop());
          await sleep(100);

          const per = 10;
          // WS sends from both isolates interleave with HTTP posts.
          const httpPosts = (async () => {
            for (let i = 0; i < per; i++) {
              await post(server, token, room, `h${i}`, `http ${i}`);
            }
          })();
          for (let i = 0; i < per; i++) {
            wa.send({ type: "send", room, id: `wa${i}`, text: `wa ${i}` });
            wb.send({ type: "send", room, id: `wb${i}`, text: `wb ${i}` });
            await sleep(2);
          }
          await httpPosts;
          const total = 3 * per;
          const expectedIds = new Set([
            ...range(0, per - 1).map((i) => `wa${i}`),
            ...range(0, per - 1).map((i) => `wb${i}`),
            ...range(0, per - 1).map((i) => `h${i}`),
          ]);
          for (const ws of [wa, wb]) {
            await ws.collect(isMessage(room), total);
          }
          for (const stream of sse) await stream.waitForMessages(total);
          await poller.waitFor(total);
          await sleep(300); // anything extra (a duplicate) would show now

          const ws = [wa, wb].map((c) =>
            c.events.filter(isMessage(room)) as unknown as Message[]
          );
          const all: Array<[string, Message[]]> = [
            ["ws a", ws[0]],
            ["ws b", ws[1]],
            ["sse 1", sse[0].messages()],
            ["sse 2", sse[1].messages()],
            ["long poll", poller.messages],
          ];
          for (const [who, messages] of all) {
            assertContiguous(messages, 1, total);
            deepEqual(
              new Set(messages.map((m) => m.id)),
              expectedIds,
              who,
            );
          }
          // Same content everywhere (the message object, not a per-transport variant).
          const reference = JSON.stringify(sse[0].messages());
          equal(JSON.stringify(sse[1].messages()), reference);
          equal(JSON.stringify(poller.messages), reference);
          // SSE ids are the seqs.
          deepEqual(
            sse[0].events.filter((e) => e.event === "message").map((e) =>
              Number(e.id)
            ),
            range(1, total),
          );
        },
      );

      await t.step(
        "SSE headers, retry hint, joined event and presence of the listener",
        async () => {
          const room = "sse-presence";
          const watcher = await TestClient.connect(server.wsUrl, {
            name: "watcher",
          });
          closers.push(() => watcher.close());
          await watcher.join(room);
          const token = await newSession(server.origin, "dave");
          const stream = await SseClient.open(api(room, "events"), {
            headers: { authorization: `Bearer ${token}` },
          });
          const headers = stream.response.headers;
          equal(headers.get("cache-control"), "no-cache, no-transform");
          equal(headers.get("x-accel-buffering"), "no");
          assert(headers.get("content-type")!.startsWith("text/event-stream"));
          const joined = await stream.next((e) => e.event === "joined");
          equal(stream.retry, 2000);
          const data = JSON.parse(joined.data);
          equal(data.room, room);
          equal(data.recovered, true);
          assert(
            data.online.some((u: { name: string }) => u.name === "dave"),
            "the SSE listener is online",
          );
          const came = await watcher.next((e) =>
            e.type === "presence" &&
            (e.joins as Array<{ name: string }>).some((u) => u.name === "dave")
          );
          // ...and the stream sees presence and typing of others.
          const from = watcher.events.indexOf(came) + 1;
          watcher.send({ type: "typing", room });
          const typing = await stream.next((e) => e.event === "typing");
          equal(JSON.parse(typing.data).user.name, "watcher");
          await stream.close();
          await watcher.next(
            (e) =>
              e.type === "presence" &&
              (e.leaves as Array<{ name: string }>).some((u) =>
                u.name === "dave"
              ),
            5_000,
            from,
          );
        },
      );

      await t.step("SSE without identity reads anonymously", async () => {
        const stream = await SseClient.open(api("anon", "events"));
        const joined = JSON.parse(
          (await stream.next((e) => e.event === "joined")).data,
        );
        deepEqual(joined.online, []);
        await stream.close();
      });

      await t.step(
        "SSE resumes from Last-Event-ID with exactly what it missed",
        async () => {
          const room = "resume";
          const token = await newSession(server.origin, "erin");
          for (let i = 1; i <= 5; i++) {
            await post(server, token, room, `r${i}`, `msg ${i}`);
          }
          const first = await SseClient.open(api(room, "events") + "?since=0");
          const got = await first.waitForMessages(5);
          assertContiguous(got, 1, 5);
          await first.close();
          equal(first.lastEventId, "5");

          for (let i = 6; i <= 9; i++) {
            await post(server, token, room, `r${i}`, `msg ${i}`);
          }
          // A reconnect as EventSource does it: the original URL (?since=0)
          // plus Last-Event-ID, which wins.
          const second = await SseClient.open(
            api(room, "events") + "?since=0",
            {
              headers: { "last-event-id": first.lastEventId },
            },
          );
          const joined = await second.next((e) => e.event === "joined");
          equal(joined.id, "5");
          const missed = await second.waitForMessages(4);
          await post(server, token, room, "r10", "msg 10");
          const live = await second.waitForMessages(5);
          await sleep(200);
          assertContiguous(second.messages(), 6, 10);
          equal(missed[0].seq, 6);
          equal(live.length, 5);
          await second.close();

          // ?since= alone resumes too.
          const third = await SseClient.open(api(room, "events") + "?since=8");
          await third.waitForMessages(2);
          await sleep(100);
          assertContiguous(third.messages(), 9, 10);
          await third.close();

          // Without since: the latest page, then live.
          const fresh = await SseClient.open(api(room, "events"));
          await fresh.waitForMessages(10);
          assertContiguous(fresh.messages(), 1, 10);
          await fresh.close();
        },
      );

      await t.step(
        "SSE from a since the room never reached sends reset, then the latest",
        async () => {
          const stream = await SseClient.open(api("resume", "events"), {
            headers: { "last-event-id": "999999" },
          });
          const reset = await stream.next((e) => e.event === "reset");
          equal(JSON.parse(reset.data).seq, 10);
          const joined = await stream.next((e) => e.event === "joined");
          equal(JSON.parse(joined.data).recovered, false);
          assert(
            stream.events.indexOf(reset) < stream.events.indexOf(joined),
          );
          await stream.waitForMessages(10);
          assertContiguous(stream.messages(), 1, 10);
          await stream.close();
        },
      );

      await t.step(
        "a long poll wakes within a fraction of a second of a post on the other isolate",
        async () => {
          const room = "wake";
          const [wa, wb] = await clientsOnDistinctIsolates(server.wsUrl, 2);
          closers.push(() => wa.close(), () => wb.close());
          await wa.join(room);
          await wb.join(room);
          const byNode = new Map([
            [String(wa.welcome.node), wa],
            [String(wb.welcome.node), wb],
          ]);
          for (let round = 0; round < 3; round++) {
            // One pooled connection: /healthz tells which isolate holds it,
            // and the poll that follows reuses it.
            const http = Deno.createHttpClient({});
            try {
              const health = await fetch(`${server.origin}/healthz`, {
                client: http,
              });
              const pollNode = (await health.json()).node as string;
              const sender = [...byNode].find(([n]) => n !== pollNode)![1];
              const head = Number(
                (await (await fetch(api(room, "messages") + "?since=0", {
                  client: http,
                })).json()).seq,
              );
              const poll = fetch(
                api(room, "messages") + `?since=${head}&wait=10`,
                { client: http },
              );
              await sleep(300); // the poll is waiting by now
              const sentAt = performance.now();
              sender.send({
                type: "send",
                room,
                id: `wake${round}`,
                text: "wake up",
              });
              const res = await poll;
              const elapsed = performance.now() - sentAt;
              const body = await res.json();
              equal(res.headers.get("x-chat-node"), pollNode);
              notEqual(pollNode, String(sender.welcome.node));
              equal(body.messages.length, 1);
              equal(body.messages[0].id, `wake${round}`);
              equal(body.seq, head + 1);
              assert(
                elapsed < 1_000,
                `long poll answered ${elapsed.toFixed(0)} ms after the post`,
              );
            } finally {
              http.close();
            }
          }
        },
      );

      await t.step(
        "a long poll with nothing new answers empty after its wait",
        async () => {
          const url = api("quiet", "messages");
          const started = performance.now();
          const res = await fetch(`${url}?since=0&wait=1`);
          const elapsed = performance.now() - started;
          const body = await res.json();
          assert.match(body.epoch, /^[0-9a-f]{8}$/);
          deepEqual(body, {
            room: "quiet",
            seq: 0,
            epoch: body.epoch,
            messages: [],
            updates: [],
            online: [],
          });
          assert(elapsed >= 950, `answered after ${elapsed} ms`);
          assert(elapsed < 2_500, `answered after ${elapsed} ms`);
          // wait=0 (and no wait) answers at once.
          const quick = performance.now();
          const now = await fetch(`${url}?since=0&wait=0`);
          deepEqual(await now.json(), {
            room: "quiet",
            seq: 0,
            epoch: body.epoch,
            messages: [],
            updates: [],
            online: [],
          });
          assert(performance.now() - quick < 500);
        },
      );

      await t.step(
        "a long poll answers at once when messages exist",
        async () => {
          const res = await fetch(
            api("resume", "messages") + "?since=7&wait=30",
          );
          const body = await res.json();
          deepEqual(body.messages.map((m: Message) => m.seq), [8, 9, 10]);
          equal(body.seq, 10);
        },
      );

      await t.step(
        "a resume in another epoch is not taken for this one's: recovered false",
        async () => {
          // "resume" holds messages 1…10 by now.
          const poll = await (await fetch(
            api("resume", "messages") + "?since=7&epoch=elsewhere&wait=0",
          )).json();
          equal(poll.recovered, false);
          assert(poll.epoch !== "elsewhere");
          equal(poll.seq, 10);
          const same = await (await fetch(
            api("resume", "messages") + `?since=7&epoch=${poll.epoch}&wait=0`,
          )).json();
          equal(same.recovered, undefined);
          deepEqual(same.messages.map((m: Message) => m.seq), [8, 9, 10]);
          const stream = await SseClient.open(
            api("resume", "events") + "?since=7&epoch=elsewhere",
          );
          const joined = await stream.next((e) => e.event === "joined");
          equal(JSON.parse(joined.data).recovered, false);
          equal(JSON.parse(joined.data).epoch, poll.epoch);
          await stream.close();
          const bad = await fetch(
            api("resume", "messages") + "?since=7&epoch=no%20spaces",
          );
          equal(bad.status, 400);
          equal((await bad.json()).error.code, "bad_request");
        },
      );

      await t.step("bad wait and since are refused with 400", async () => {
        const url = api("general", "messages");
        const bad = [
          "since=1&wait=-1",
          "since=1&wait=31",
          "since=1&wait=1.5",
          "since=1&wait=abc",
          "since=1&wait=",
          "since=-1&wait=1",
          "since=x&wait=1",
          "since=1.5",
          "since=",
        ];
        for (const query of bad) {
          const res = await fetch(`${url}?${query}`);
          equal(res.status, 400, query);
          equal((await res.json()).error.code, "bad_request", query);
        }
        for (const query of ["since=x", "since=-1"]) {
          const res = await fetch(`${api("general", "events")}?${query}`);
          equal(res.status, 400, `events ${query}`);
          equal((await res.json()).error.code, "bad_request");
        }
        const res = await fetch(api("general", "events"), {
          headers: { "last-event-id": "abc" },
        });
        equal(res.status, 400);
        equal((await res.json()).error.code, "bad_request");
        const badRoom = await fetch(api("Bad%20Room", "events"));
        equal(badRoom.status, 400);
        equal((await badRoom.json()).error.code, "room_invalid");
      });

      await t.step("foreign Origin and bad tokens are refused", async () => {
        const foreign = await fetch(api("general", "events"), {
          headers: { origin: "https://evil.example" },
        });
        equal(foreign.status, 403);
        await foreign.body?.cancel();
        const own = await SseClient.open(api("general", "events"), {
          headers: { origin: server.origin },
        });
        await own.close();
        const badToken = await fetch(api("general", "events") + "?token=nope");
        equal(badToken.status, 401);
        equal((await badToken.json()).error.code, "unauthenticated");
      });

      await t.step("a long-poll client counts as present", async () => {
        const room = "lp-presence";
        const watcher = await TestClient.connect(server.wsUrl, {
          name: "lp-watcher",
        });
        closers.push(() => watcher.close());
        await watcher.join(room);
        const token = await newSession(server.origin, "frank");
        const res = await fetch(api(room, "messages") + "?since=0&wait=0", {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = await res.json();
        assert(
          body.online.some((u: { name: string }) => u.name === "frank"),
          "the answer lists who is online, the poller included",
        );
        await watcher.next((e) =>
          e.type === "presence" &&
          (e.joins as Array<{ name: string }>).some((u) => u.name === "frank")
        );
      });

      await t.step(
        "closed streams and aborted polls leave nothing behind on any isolate",
        async () => {
          for (const close of closers.splice(0)) await close().catch(() => {});
          const abort = new AbortController();
          const pending = fetch(
            api("cleanup", "messages") + "?since=0&wait=30",
            { signal: abort.signal },
          ).catch(() => null);
          const stream = await SseClient.open(api("cleanup", "events"));
          await sleep(100);
          abort.abort();
          await pending;
          await stream.close();
          await sleep(200);
          // Whichever isolate answers reports the whole process.
          const text = await (await fetch(`${server.origin}/metrics`)).text();
          match(text, /^chat_metrics_isolates 2$/m);
          match(text, /^chat_sse_streams 0$/m);
          match(text, /^chat_long_polls_waiting 0$/m);
        },
      );

      await t.step("curl -N shows messages as they are sent", async (t) => {
        let hasCurl = true;
        try {
          await new Deno.Command("curl", {
            args: ["--version"],
            stdout: "null",
          })
            .output();
        } catch {
          hasCurl = false;
        }
        if (!hasCurl) {
          console.log("curl not found: skipped");
          return;
        }
        const room = "curl";
        const token = await newSession(server.origin, "gina");
        const child = new Deno.Command("curl", {
          args: ["-sN", api(room, "events")],
          stdout: "piped",
          stderr: "null",
        }).spawn();
        const reader = child.stdout.pipeThrough(new TextDecoderStream())
          .getReader();
        let seen = "";
        const readUntil = async (needle: string) => {
          const deadline = Date.now() + 5_000;
          while (!seen.includes(needle)) {
            if (Date.now() > deadline) {
              throw new Error(`curl output lacks ${needle}:\n${seen}`);
            }
            const { value, done } = await reader.read();
            if (done) throw new Error(`curl ended:\n${seen}`);
            seen += value;
          }
        };
        try {
          await readUntil("event: joined");
          for (let i = 1; i <= 3; i++) {
            await post(server, token, room, `c${i}`, `line ${i}`);
            // Each message shows up before the next is sent.
            await readUntil(`"text":"line ${i}"`);
            assert(seen.includes(`id: ${i}\nevent: message\n`));
          }
          await t.step("the output is plain SSE", () => {
            assert(seen.startsWith("retry: 2000\n\n"));
          });
        } finally {
          child.kill("SIGTERM");
          await reader.cancel().catch(() => {});
          await child.status;
        }
      });
      await t.step(
        "shutdown ends open SSE streams and waiting polls",
        async () => {
          const stream = await SseClient.open(api("bye", "events"));
          const poll = fetch(api("bye", "messages") + "?since=0&wait=30");
          await sleep(100);
          for (const close of closers.splice(0)) await close().catch(() => {});
          const started = performance.now();
          await server.stop();
          assert(
            performance.now() - started < 5_000,
            "SIGTERM was not held up by open responses",
          );
          await stream.waitEnded();
          await poll.then((r) => r.body?.cancel(), () => {});
        },
      );
    } finally {
      for (const close of closers) await close().catch(() => {});
      await server.stop();
    }
  },
});
