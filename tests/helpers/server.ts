/**
 * A real server process for tests: `deno serve --parallel` on a free port
 * with its own KV file, stopped and restarted like production would be.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** Isolates (`deno serve --parallel` workers); 1 runs without `--parallel`. */
  isolates?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** KV path; a fresh temporary file by default. */
  kvPath?: string;
  /** Port; a free one by default. */
  port?: number;
}

/** A running server. */
export interface TestServer {
  readonly port: number;
  readonly origin: string;
  readonly wsUrl: string;
  readonly kvPath: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process (SIGKILL, like `kill -9`) and waits for it to exit. */
  kill(): Promise<void>;
  /** Stops and starts again on the same port and storage. */
  restart(): Promise<void>;
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts the server and waits until `/healthz` answers. */
export async function startServer(
  options: ServerOptions = {},
): Promise<TestServer> {
  const port = options.port ?? freePort();
  const kvPath = options.kvPath ??
    `${await Deno.makeTempDir({ prefix: "chat-test-" })}/chat.kv`;
  const isolates = options.isolates ?? 2;
  let output = "";
  let child: Deno.ChildProcess;
  let done: Promise<void>;

  const spawn = async () => {
    const args = [
      "serve",
      "--unstable-kv",
      "-A",
      `--port=${port}`,
      "--host=127.0.0.1",
    ];
    if (isolates > 1) args.push("--parallel");
    args.push("main.ts");
    child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      env: {
        CHAT_KV_PATH: kvPath,
        CHAT_LOG: "info",
        DENO_JOBS: String(isolates),
        NO_COLOR: "1",
        ...options.env,
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) output += decoder.decode(chunk);
    };
    done = Promise.all([pump(child.stdout), pump(child.stderr), child.status])
      .then(() => {});
    await waitForHealth(port, () => output);
    await waitForIsolates(port, isolates, () => output);
  };

  const signal = async (name: Deno.Signal) => {
    try {
      child.kill(name);
    } catch {
      // Already exited.
    }
    await done;
  };
  const stop = () => signal("SIGTERM");

  await spawn();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    kvPath,
    output: () => output,
    stop,
    kill: () => signal("SIGKILL"),
    async restart() {
      await stop();
      await spawn();
    },
  };
}

/**
 * Waits until `count` distinct isolates have answered `/healthz`: with
 * `--parallel` the first answer comes as soon as one isolate listens. A new
 * HTTP client per request makes each a new connection, which the kernel may
 * hand to any isolate.
 */
async function waitForIsolates(
  port: number,
  count: number,
  output: () => string,
): Promise<void> {
  const nodes = new Set<string>();
  const deadline = Date.now() + 20_000;
  while (nodes.size < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `Only ${nodes.size} of ${count} isolates answered:\n${output()}`,
      );
    }
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { client });
      nodes.add((await res.json()).node);
    } finally {
      client.close();
    }
    if (nodes.size < count) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function waitForHealth(
  port: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `Server on port ${port} did not become healthy:\n${output()}`,
  );
}
