/**
 * What one peer can make the server hold below the app, where its own limits
 * do not reach (docs/limits.md):
 *
 * 1. Deno's WebSocket reassembles a message of up to 64 MiB before the app
 *    sees it (deno#15809, no size option); the app then closes with `1009`.
 *    K sockets (greeted guests) each send one text message of `MiB` MiB at
 *    once: the server's peak and retained RSS.
 * 2. A request whose headers never finish is held, with no timeout, before
 *    the app sees anything: N connections each send the start of a request
 *    and then nothing. What each costs, and how many are still held after
 *    `hold` seconds. Also: the largest unfinished header the server keeps
 *    (a larger one is answered `400`).
 * 3. From these and the caps, the worst case for one address.
 *
 * Each measurement runs on a fresh server process of one isolate (`deno
 * serve`, no `--parallel`: isolates share a process, so its RSS covers them
 * all); RSS is the process's `VmRSS`, the peak its `VmHWM` (Linux `/proc`).
 *
 * Usage: deno run -A bench/peer_limits.ts [sockets=1,4,16] [MiB=60]
 *   [idle=5000] [headerBytes=100,max] [hold=40]
 *
 * @module
 */
import { freePort } from "../tests/helpers/server.ts";
import { loadConfig } from "../lib/server/config.ts";

const SOCKETS = (Deno.args[0] ?? "1,4,16").split(",").map(Number);
const MIB = Number(Deno.args[1] ?? 60);
const IDLE = Number(Deno.args[2] ?? 5000);
/** Sizes of the unfinished headers; `max` is the largest the server keeps. */
const HEADER_BYTES = (Deno.args[3] ?? "100,max").split(",");
const HOLD_S = Number(Deno.args[4] ?? 40);

const ROOT = new URL("..", import.meta.url).pathname;
const KIB = 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server process of one isolate with the default limits. */
interface Server {
  port: number;
  /** `VmRSS` and `VmHWM` (peak), in KiB. */
  memory(): { rss: number; peak: number };
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "serve",
      "--unstable-kv",
      "-A",
      `--port=${port}`,
      "--host=127.0.0.1",
      "main.ts",
    ],
    cwd: ROOT,
    env: { CHAT_KV_PATH: ":memory:", CHAT_LOG: "silent" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0;; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      if (i > 200) throw new Error("The server did not start");
    }
    await sleep(50);
  }
  await sleep(1_000); // let start-up garbage settle before the baseline
  return {
    port,
    memory() {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const kib = (field: string) =>
        Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
      return { rss: kib("VmRSS"), peak: kib("VmHWM") };
    },
    async stop() {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

const mib = (kib: number) => (kib / KIB).toFixed(0);

/** (1) K sockets, one big message each, all at once: the peak growth in KiB. */
async function bigMessages(k: number): Promise<number> {
  const server = await startServer();
  try {
    const before = server.memory();
    const sockets = await Promise.all(
      Array.from(
        { length: k },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
            // Greeted first, as an attacker would be: a socket that only
            // waits is closed by the hello timeout before a big message is in.
            ws.onopen = () =>
              ws.send(JSON.stringify({ type: "hello", name: "big" }));
            ws.onmessage = () => resolve(ws);
            ws.onerror = () => reject(new Error("cannot connect"));
          }),
      ),
    );
    const payload = "x".repeat(MIB * KIB * KIB);
    const started = performance.now();
    const codes = await Promise.all(
      sockets.map((ws) =>
        new Promise<number>((resolve) => {
          ws.onclose = (event) => resolve(event.code);
          ws.send(payload);
        })
      ),
    );
    const ms = performance.now() - started;
    const during = server.memory();
    await sleep(2_000);
    const after = server.memory();
    const growth = during.peak - before.rss;
    console.log(
      `  ${k} × ${MIB} MiB text messages: closed ${
        [...new Set(codes)].join(",")
      } after ${(ms / 1000).toFixed(1)} s; RSS ${mib(before.rss)} MiB → peak ${
        mib(during.peak)
      } MiB (+${mib(growth)} MiB, ${mib(growth / k)} MiB a socket), ${
        mib(after.rss)
      } MiB 2 s later`,
    );
    return growth;
  } finally {
    await server.stop();
  }
}

/** The start of a request whose headers never end: `bytes` long. */
function unfinished(bytes: number): Uint8Array {
  const start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ";
  return new TextEncoder().encode(
    start + "a".repeat(Math.max(0, bytes - start.length)),
  );
}

/** (2) N connections whose headers never finish. */
async function unfinishedHeaders(n: number, bytes: number): Promise<number> {
  const server = await startServer();
  const conns: Deno.TcpConn[] = [];
  try {
    const before = server.memory();
    const request = unfinished(bytes);
    let answered = 0;
    for (let i = 0; i < n; i++) {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: server.port,
      });
      conns.push(conn);
      await conn.write(request);
      // Any answer or close from the server ends the hold.
      conn.read(new Uint8Array(512)).then(() => answered++, () => answered++);
    }
    await sleep(1_000);
    const held = server.memory();
    const perConn = (held.rss - before.rss) * KIB / n;
    console.log(
      `  ${n} connections, ${bytes} B of headers each: RSS ${
        mib(before.rss)
      } → ${mib(held.rss)} MiB (${
        (perConn / KIB).toFixed(1)
      } KiB a connection)`,
    );
    await sleep(HOLD_S * 1000);
    console.log(
      `  after ${HOLD_S} s: ${n - answered} of ${n} still held, RSS ${
        mib(server.memory().rss)
      } MiB`,
    );
    return perConn;
  } finally {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Closed by the server.
      }
    }
    await server.stop();
  }
}

/** (2b) The largest unfinished header the server keeps waiting on. */
async function headerLimit(): Promise<{ kept: number; text: string }> {
  const server = await startServer();
  try {
    let kept = 0;
    for (const kib of [4, 8, 12, 16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: server.port,
      });
      await conn.write(unfinished(kib * KIB)).catch(() => {});
      const buf = new Uint8Array(512);
      const read = await Promise.race([
        conn.read(buf).catch(() => null),
        sleep(1_000).then(() => "waiting" as const),
      ]);
      conn.close();
      if (read !== "waiting") {
        const line = typeof read === "number"
          ? new TextDecoder().decode(buf.subarray(0, read)).split("\r\n")[0]
          : "closed";
        return {
          kept: kept * KIB,
          text: `kept ${kept} KiB, answered ${kib} KiB with "${line}"`,
        };
      }
      kept = kib;
    }
    return { kept: kept * KIB, text: `kept ${kept} KiB` };
  } finally {
    await server.stop();
  }
}

const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3);
console.log(
  `peer limits, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, load ${
    load.join(" ")
  } at start`,
);
console.log(`(1) one ${MIB} MiB WebSocket message per socket:`);
const growths: number[] = [];
for (const k of SOCKETS) growths.push(await bigMessages(k));
console.log(`(2) requests whose headers never finish:`);
const limit = await headerLimit();
console.log(`  largest unfinished header: ${limit.text}`);
const perIdle: number[] = [];
for (const bytes of HEADER_BYTES) {
  const size = bytes === "max" ? limit.kept : Number(bytes);
  perIdle.push(await unfinishedHeaders(IDLE, size));
}
// What one more socket adds once several are in flight (the first pays for
// buffers the others reuse): between the two largest runs, else the only one.
const n = SOCKETS.length;
const perSocket = n > 1
  ? (growths[n - 1] - growths[n - 2]) / (SOCKETS[n - 1] - SOCKETS[n - 2])
  : growths[0] / SOCKETS[0];
const cap = loadConfig(() => undefined).maxConnectionsPerAddress;
console.log(
  `(3) one address, per isolate, CHAT_MAX_CONNECTIONS_PER_ADDRESS=${cap}: ` +
    `${cap} sockets × ${mib(perSocket)} MiB (each socket past the first) = ${
      (cap * perSocket / KIB / KIB).toFixed(1)
    } GiB at once; unfinished requests are not counted (the app never sees ` +
    `them): ${(Math.max(...perIdle) / KIB).toFixed(1)} KiB each, as many as ` +
    `the process has file descriptors`,
);
console.log(
  `load ${
    Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")
  } at the end`,
);
