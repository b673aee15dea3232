/**
 * The deployment of docs/deploy.md with real parts: Debian's nginx running
 * the committed `docs/nginx.conf` in front of two server processes on one
 * Redis, and clients on every transport talking only to nginx. Only the
 * ports, the worker user and the file paths of the config are replaced, so
 * what is tested is what the guide tells people to run.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { freePort, startServer, type TestServer } from "./helpers/server.ts";
import { startRedis } from "./helpers/redis.ts";
import { requireCommand } from "./helpers/system.ts";
import { isMessage, seqRange, TestClient } from "./helpers/ws_client.ts";
import { SseClient } from "./helpers/sse_client.ts";
import { newSession, postMessage } from "./helpers/http.ts";
import { sleep } from "./helpers/wait.ts";

const CONFIG = new URL("../docs/nginx.conf", import.meta.url);

/** A page origin other than nginx's own, allowed by CHAT_ALLOWED_ORIGINS. */
const PAGE_ORIGIN = "https://chat.example";

/** A running nginx. */
interface TestNginx {
  readonly origin: string;
  readonly wsUrl: string;
  /** stderr plus the error log, for failure messages. */
  output(): Promise<string>;
  stop(): Promise<void>;
}

/** Replaces `from` in `text`, failing if the committed config lacks it. */
function replace(text: string, from: string, to: string): string {
  assert(text.includes(from), `docs/nginx.conf no longer contains ${from}`);
  return text.replaceAll(from, to);
}

/**
 * Starts nginx with docs/nginx.conf, listening on a free loopback port in
 * front of `upstreams`, with its pid, logs and temp files in a temporary
 * prefix. nginx runs in the foreground (`daemon off`) as our child.
 */
async function startNginx(upstreams: number[]): Promise<TestNginx> {
  const nginx = requireCommand("nginx", "nginx");
  const dir = await Deno.makeTempDir({ prefix: "chat-nginx-" });
  const port = freePort();
  let text = await Deno.readTextFile(CONFIG);
  text = replace(text, "listen 8080;", `listen 127.0.0.1:${port};`);
  text = replace(
    text,
    "server 127.0.0.1:8001;",
    `server 127.0.0.1:${upstreams[0]};`,
  );
  text = replace(
    text,
    "server 127.0.0.1:8002;",
    `server 127.0.0.1:${upstreams[1]};`,
  );
  text = replace(text, "/run/nginx-chat.pid", `${dir}/nginx.pid`);
  text = replace(text, "/var/log/nginx/", `${dir}/`);
  text = replace(text, "/var/lib/nginx/", `${dir}/`);
  // As root, workers would switch to www-data, which cannot enter our
  // private (0700) temp directory; as anyone else nginx ignores `user`.
  if (Deno.uid() === 0) text = replace(text, "user www-data;", "user root;");
  const file = `${dir}/nginx.conf`;
  await Deno.writeTextFile(file, text);

  const child = new Deno.Command(nginx, {
    args: ["-p", dir, "-c", file, "-g", "daemon off;"],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  let exited = false;
  const done = Promise.all([
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) stderr += decoder.decode(chunk);
    })(),
    child.status.then(() => {
      exited = true;
    }),
  ]);
  const output = async () => {
    const log = await Deno.readTextFile(`${dir}/chat-error.log`)
      .catch(() => "");
    return `${stderr}\n${log}`;
  };
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
    await done;
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start:\n${await output()}`);
    }
    try {
      const res = await fetch(`${origin}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  return { origin, wsUrl: `ws://127.0.0.1:${port}/ws`, output, stop };
}

/** The node id a server's only isolate reports. */
async function nodeOf(server: TestServer): Promise<string> {
  const res = await fetch(`${server.origin}/healthz`);
  return String((await res.json()).node);
}

Deno.test({
  name: "nginx with docs/nginx.conf in front of two nodes on one Redis",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = await startRedis({ appendOnly: true });
    const nodes: TestServer[] = [];
    let proxy: TestNginx | undefined;
    const open: TestClient[] = [];
    try {
      const env = {
        CHAT_REDIS_URL: redis.url,
        CHAT_ALLOWED_ORIGINS: PAGE_ORIGIN,
        CHAT_SEND_RATE: "0",
        CHAT_HEARTBEAT_MS: "300",
        CHAT_LOG: "silent",
      };
      nodes.push(
        ...await Promise.all([
          startServer({ isolates: 1, env }),
          startServer({ isolates: 1, env }),
        ]),
      );
      proxy = await startNginx(nodes.map((node) => node.port));
      const via = proxy;

      await t.step(
        "WebSocket clients land on both nodes and each gets every message once, in order",
        async () => {
          const expected = new Set(await Promise.all(nodes.map(nodeOf)));
          const seen = new Map<string, TestClient[]>();
          // No stickiness: round robin spreads new connections over nodes.
          for (let i = 0; i < 20 && open.length < 4; i++) {
            const client = await TestClient.connect(via.wsUrl, {
              name: `member${i}`,
            });
            const node = String(client.welcome.node);
            const here = seen.get(node) ?? [];
            if (here.length < 2) {
              here.push(client);
              seen.set(node, here);
              open.push(client);
            } else {
              await client.close();
            }
          }
          deepEqual(new Set(seen.keys()), expected, "both nodes served");
          equal(open.length, 4);
          for (const member of open) await member.join("proxied");
          open.forEach((member, i) =>
            member.sendRange("proxied", `w${i}-`, 1, 25)
          );
          for (const member of open) {
            const got = await member.collect(isMessage("proxied"), 100, 20_000);
            deepEqual(got.map((m) => m.seq), seqRange(1, 100));
            equal(new Set(got.map((m) => m.id)).size, 100, "no repeats");
          }
        },
      );

      await t.step(
        "the Origin check passes through nginx: its own origin and CHAT_ALLOWED_ORIGINS, nothing else",
        async () => {
          for (const origin of [via.origin, PAGE_ORIGIN]) {
            const client = await TestClient.open(via.wsUrl, {
              headers: { origin },
            });
            open.push(client);
          }
          await assert.rejects(
            TestClient.open(via.wsUrl, {
              headers: { origin: "https://elsewhere.example" },
            }),
            /Cannot connect/,
          );
          const res = await fetch(`${via.origin}/api/session`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              origin: "https://elsewhere.example",
            },
            body: JSON.stringify({ name: "stranger" }),
          });
          await res.body?.cancel();
          equal(res.status, 403);
        },
      );

      await t.step(
        "an SSE stream through nginx gets a message posted through nginx",
        async () => {
          const fromPage = { headers: { origin: via.origin } };
          const token = await newSession(via.origin, "poster", fromPage);
          const sse = await SseClient.open(
            `${via.origin}/api/rooms/comet/events?since=0`,
            { headers: { origin: via.origin } },
          );
          try {
            await sleep(200);
            const posted = await postMessage(
              via.origin,
              token,
              "comet",
              { id: "c1", text: "through nginx" },
              fromPage,
            );
            equal(posted.status, 201);
            // Unbuffered: the event arrives now, not when a buffer fills.
            const [message] = await sse.waitForMessages(1, 3_000);
            equal(message.text, "through nginx");
          } finally {
            await sse.close();
          }
        },
      );

      await t.step(
        "a long poll through nginx with wait=2 answers",
        async () => {
          const started = Date.now();
          const res = await fetch(
            `${via.origin}/api/rooms/quiet/messages?since=0&wait=2`,
          );
          equal(res.status, 200);
          const body = await res.json();
          const waited = Date.now() - started;
          deepEqual(body.messages, []);
          assert(
            waited >= 1_500,
            `answered after ${waited} ms, before the wait`,
          );
          assert(waited < 10_000, `answered after ${waited} ms`);
        },
      );
    } catch (error) {
      if (proxy) console.error(await proxy.output());
      throw error;
    } finally {
      await Promise.all(open.map((client) => client.close()));
      await proxy?.stop();
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
    }
  },
});
