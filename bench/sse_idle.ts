/**
 * How many idle SSE streams one isolate holds, and at what memory each.
 *
 * Starts the server with ONE isolate (`deno serve`, no `--parallel`), then,
 * for each N, a separate client process opens N SSE streams
 * (`GET /api/rooms/:room/events`, each with its own user token, spread over
 * a few rooms), waits until every stream has its `joined` event, and holds
 * them idle. The server's RSS is read from `/proc/<pid>/status` before and
 * after; CPU time from `/proc/<pid>/stat` over an idle window that includes a
 * keep-alive tick.
 *
 *     deno run -A bench/sse_idle.ts [--n=1000,2000,5000] [--rooms=10] [--idle=12]
 *       [--anonymous] [--bare]
 *
 * `--anonymous` opens streams without identity (no presence traffic);
 * `--bare` measures a minimal `Deno.serve` SSE server instead, the floor that
 * any Deno SSE server pays per stream.
 *
 * The same file is the client (`--client`), spoken to over stdin/stdout.
 *
 * @module
 */

const ROOT = new URL("../", import.meta.url).pathname;

interface Args {
  /** Stream totals to measure at, cumulative (streams stay open). */
  counts: number[];
  rooms: number;
  idleS: number;
  /** Streams without identity (no presence traffic). */
  anonymous: boolean;
  /** Measure a bare Deno SSE server instead of the app (the floor). */
  bare: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
      fallback;
  return {
    counts: get("n", "1000,2000,5000").split(",").map(Number),
    rooms: Number(get("rooms", "10")),
    idleS: Number(get("idle", "12")),
    anonymous: argv.includes("--anonymous"),
    bare: argv.includes("--bare"),
  };
}

// ---------------------------------------------------------------- client --

/**
 * Opens `n` SSE streams over raw TCP (cheap on the client side) and resolves
 * when each has received its `joined` event.
 */
async function openStreams(
  port: number,
  tokens: Array<string | null>,
  rooms: number,
  drained: { bytes: number },
): Promise<Deno.TcpConn[]> {
  const conns: Deno.TcpConn[] = [];
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const openOne = async (i: number) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const room = `idle-${i % rooms}`;
    const auth = tokens[i] ? `Authorization: Bearer ${tokens[i]}\r\n` : "";
    await conn.write(encoder.encode(
      `GET /api/rooms/${room}/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Accept: text/event-stream\r\n${auth}\r\n`,
    ));
    const buf = new Uint8Array(16 * 1024);
    let text = "";
    while (!text.includes("event: joined")) {
      const n = await conn.read(buf);
      if (n === null) throw new Error(`stream ${i} closed: ${text}`);
      text += decoder.decode(buf.subarray(0, n));
    }
    if (!text.startsWith("HTTP/1.1 200")) throw new Error(text.slice(0, 200));
    conns.push(conn);
    // Keep reading (presence events, pings) as a live client would.
    (async () => {
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) return;
          drained.bytes += n;
        }
      } catch {
        // closed by us
      }
    })();
  };
  const batch = 200;
  for (let i = 0; i < tokens.length; i += batch) {
    await Promise.all(
      Array.from(
        { length: Math.min(batch, tokens.length - i) },
        (_, j) => openOne(i + j),
      ),
    );
  }
  return conns;
}

async function makeTokens(
  port: number,
  n: number,
  anonymous: boolean,
): Promise<Array<string | null>> {
  if (anonymous) return new Array(n).fill(null);
  const tokens: string[] = [];
  for (let i = 0; i < n; i += 100) {
    const got = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, async (_, j) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `idle${i + j}` }),
        });
        return (await res.json()).token as string;
      }),
    );
    tokens.push(...got);
  }
  return tokens;
}

/** Client mode: `open <n>` opens streams, `close` closes them all. */
async function client(
  port: number,
  rooms: number,
  anonymous: boolean,
): Promise<void> {
  let conns: Deno.TcpConn[] = [];
  const drained = { bytes: 0 };
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let pending = "";
  const reply = (text: string) =>
    Deno.stdout.write(new TextEncoder().encode(text + "\n"));
  for await (const chunk of lines) {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) !== -1) {
      const [cmd, arg] = pending.slice(0, nl).split(" ");
      pending = pending.slice(nl + 1);
      if (cmd === "open") {
        const tokens = await makeTokens(port, Number(arg), anonymous);
        const started = performance.now();
        conns = conns.concat(await openStreams(port, tokens, rooms, drained));
        await reply(
          `opened ${conns.length} ${(performance.now() - started).toFixed(0)}`,
        );
      } else if (cmd === "drained") {
        await reply(`drained ${drained.bytes}`);
      } else if (cmd === "close") {
        for (const conn of conns) conn.close();
        conns = [];
        await reply("closed");
      } else if (cmd === "exit") {
        return;
      }
    }
  }
}

// ----------------------------------------------------------- bare server --

/**
 * `--bare`: the floor to compare with, a `Deno.serve` that answers every
 * request with an open `text/event-stream` (a joined event, then nothing)
 * and keeps its controllers in a set: what any Deno SSE server pays per
 * stream before doing anything of its own.
 */
function bareServer(port: number): void {
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const joined = new TextEncoder().encode(
    'retry: 2000\n\nid: 0\nevent: joined\ndata: {"type":"joined"}\n\n',
  );
  Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/session") {
      return Response.json({ token: "x" }, { status: 201 });
    }
    if (path === "/metrics") {
      return new Response(`chat_sse_streams{node="bare"} ${open.size}\n`);
    }
    if (!path.endsWith("/events")) return new Response("ok");
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        open.add(c);
        c.enqueue(joined);
      },
      cancel() {
        open.delete(controller);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream" },
    });
  });
}

// ------------------------------------------------------------ controller --

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

/** User + system CPU time of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return ticks / 100; // USER_HZ
}

/** The deno process serving the port (the launcher may be a parent). */
async function serverPid(port: number): Promise<number> {
  const out = await new Deno.Command("ss", {
    args: ["-Htlnp", `sport = :${port}`],
  }).output();
  const match = /pid=(\d+)/.exec(new TextDecoder().decode(out.stdout));
  if (!match) throw new Error(`nobody listens on ${port}`);
  return Number(match[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class LineReader {
  #pending = "";
  readonly #reader: ReadableStreamDefaultReader<string>;
  constructor(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async line(): Promise<string> {
    for (;;) {
      const nl = this.#pending.indexOf("\n");
      if (nl !== -1) {
        const line = this.#pending.slice(0, nl);
        this.#pending = this.#pending.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("client exited");
      this.#pending += value;
    }
  }
}

async function controller(args: Args): Promise<void> {
  const port = 20_000 + Math.floor(Math.random() * 10_000);
  const kvDir = await Deno.makeTempDir({ prefix: "sse-idle-" });
  const serverArgs = args.bare
    ? ["run", "-A", import.meta.filename!, "--bare-server", `--port=${port}`]
    : [
      "serve",
      "--unstable-kv",
      "-A",
      `--port=${port}`,
      "--host=127.0.0.1",
      "main.ts",
    ];
  const server = new Deno.Command(Deno.execPath(), {
    args: serverArgs,
    cwd: ROOT,
    env: {
      CHAT_KV_PATH: `${kvDir}/chat.kv`,
      CHAT_LOG: "silent",
      CHAT_SEND_RATE: "0",
      // Every stream comes from 127.0.0.1.
      CHAT_MAX_CONNECTIONS_PER_ADDRESS: "0",
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    for (let i = 0; i < 200; i++) {
      try {
        await (await fetch(`http://127.0.0.1:${port}/healthz`)).body?.cancel();
        break;
      } catch {
        await sleep(50);
      }
    }
    const pid = await serverPid(port);
    const load = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        import.meta.filename!,
        "--client",
        `--port=${port}`,
        `--rooms=${args.rooms}`,
        ...(args.anonymous ? ["--anonymous"] : []),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const writer = load.stdin.getWriter();
    const lines = new LineReader(load.stdout);
    const ask = async (cmd: string) => {
      await writer.write(new TextEncoder().encode(cmd + "\n"));
      // A client that dies (its error is on stderr) ends the run.
      return await Promise.race([
        lines.line(),
        load.status.then((status) => {
          throw new Error(`client exited with ${status.code}`);
        }),
      ]);
    };
    console.log(
      `${args.bare ? "BARE Deno.serve SSE server" : "chat server"} ` +
        `pid ${pid} (one isolate); ${args.rooms} rooms; ` +
        (args.anonymous
          ? "anonymous streams (no presence)"
          : "one user per stream (presence on)") +
        `; each step idles ${args.idleS} s`,
    );
    // Warm up: load every code path once, then let it settle.
    await ask("open 200");
    await ask("close");
    await sleep(3_000);
    const base = rssKiB(pid);
    console.log(`RSS with no streams: ${(base / 1024).toFixed(1)} MiB`);
    console.log(
      "| streams | RSS | per stream (vs none) | per stream (marginal) | open time | CPU while idle |",
    );
    console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
    let open = 0;
    let previous = base;
    for (const n of args.counts) {
      const opened = (await ask(`open ${n - open}`)).split(" ");
      await sleep(2_000);
      const cpu0 = cpuSeconds(pid);
      await sleep(args.idleS * 1_000);
      const cpu1 = cpuSeconds(pid);
      const rss = rssKiB(pid);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`))
        .text();
      const gauge = /^chat_sse_streams\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
      if (Number(gauge) !== n) throw new Error(`server has ${gauge} streams`);
      console.log(
        `| ${n} | ${(rss / 1024).toFixed(1)} MiB | ${
          ((rss - base) / n).toFixed(1)
        } KiB | ${((rss - previous) / (n - open)).toFixed(1)} KiB | ${
          opened[2]
        } ms for ${n - open} | ${
          ((cpu1 - cpu0) * 1000).toFixed(0)
        } ms in ${args.idleS} s |`,
      );
      open = n;
      previous = rss;
    }
    console.log(
      `client read ${
        (await ask("drained")).split(" ")[1]
      } bytes after the joined events`,
    );
    await ask("close");
    await writer.write(new TextEncoder().encode("exit\n"));
    await writer.close();
    await load.status;
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(kvDir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--bare-server")) {
    bareServer(
      Number(Deno.args.find((a) => a.startsWith("--port="))!.slice(7)),
    );
  } else if (Deno.args.includes("--client")) {
    const port = Number(
      Deno.args.find((a) => a.startsWith("--port="))!.slice(7),
    );
    const rooms = Number(
      Deno.args.find((a) => a.startsWith("--rooms="))?.slice(8) ?? "10",
    );
    await client(port, rooms, Deno.args.includes("--anonymous"));
  } else {
    await controller(parseArgs(Deno.args));
  }
}
