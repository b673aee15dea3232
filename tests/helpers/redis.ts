/**
 * Real Redis servers for tests: Debian's `redis-server` on a free loopback
 * port with its own temporary directory, stopped, killed and restarted the
 * way production loses it; and a three-master Redis Cluster.
 *
 * @module
 */
import { freePort } from "./server.ts";
import { requireCommand } from "./system.ts";

/** Options for {@linkcode startRedis}. */
export interface RedisOptions {
  /**
   * Durable: `appendonly yes` with `appendfsync always`, so every write
   * acknowledged before a `kill()` is there after `restart()`. Off by
   * default (`save ""` and no AOF: nothing reaches the disk).
   */
  appendOnly?: boolean;
  /** Port; a free one by default. */
  port?: number;
  /** Data directory; a fresh temporary one by default. */
  dir?: string;
  /** Extra `redis-server` arguments, e.g. `["--maxmemory", "10mb"]`. */
  args?: string[];
}

/** A running (or stopped, until `restart()`) `redis-server`. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The data directory (`--dir`). */
  readonly dir: string;
  /** The current process's id (a new one after `restart()`). */
  readonly pid: number;
  /** Everything the server printed so far, across restarts. */
  output(): string;
  /** Stops the process (SIGTERM, SIGKILL if it lingers) and waits for exit. */
  stop(): Promise<void>;
  /** Kills the process (SIGKILL, like `kill -9`) and waits for exit. */
  kill(): Promise<void>;
  /** Stops if running, then starts again on the same port and directory. */
  restart(): Promise<void>;
  /** Empties every database (`FLUSHALL`). */
  flushAll(): Promise<void>;
  /** Runs `redis-cli -p PORT ...args` and returns what it printed. */
  cli(...args: string[]): Promise<string>;
}

/** A running Redis Cluster. */
export interface TestRedisCluster {
  /** One `redis://127.0.0.1:PORT` per master; any one is a root node. */
  readonly urls: string[];
  /** The masters themselves. */
  readonly nodes: TestRedis[];
  /** Every node's output, for failure messages. */
  output(): string;
  /** Empties every master. */
  flushAll(): Promise<void>;
  /** Stops every node and waits for them all to exit. */
  stop(): Promise<void>;
}

/** How long a start may take before the test fails with the server's output. */
const START_TIMEOUT_MS = 20_000;
/** How long a SIGTERM may take before the helper falls back to SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * Processes still running, killed when the test process unloads: a test that
 * throws before its `finally` (or forgets `stop()`) must not leave a Redis
 * behind on the machine.
 */
const live = new Set<Deno.ChildProcess>();
globalThis.addEventListener("unload", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }
});

/** Starts `redis-server` and waits until it answers `PING`. */
export async function startRedis(
  options: RedisOptions = {},
): Promise<TestRedis> {
  const server = requireCommand("redis-server", "redis-server");
  requireCommand("redis-cli", "redis-tools");
  const port = options.port ?? freePort();
  const dir = options.dir ??
    await Deno.makeTempDir({ prefix: "chat-redis-" });
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--save",
    "",
  ];
  if (options.appendOnly) {
    args.push("--appendonly", "yes", "--appendfsync", "always");
  }
  args.push(...options.args ?? []);

  let output = "";
  let child: Deno.ChildProcess | undefined;
  let done: Promise<void> = Promise.resolve();
  let exited = true;

  const spawn = async () => {
    const process = new Deno.Command(server, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child = process;
    exited = false;
    live.add(process);
    const readers = [process.stdout.getReader(), process.stderr.getReader()];
    const pumps = Promise.all(readers.map(async (reader) => {
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        output += decoder.decode(value, { stream: true });
      }
    }));
    done = process.status.then(async () => {
      exited = true;
      live.delete(process);
      // A forked child (an AOF rewrite) can hold the pipes open after the
      // server died; stop reading rather than wait for it.
      await settlesWithin(pumps, 1_000);
      await Promise.all(readers.map((reader) => reader.cancel()));
      await pumps;
    });
    try {
      await waitForPing(port, process.pid, () => exited, () => output);
    } catch (err) {
      await halt("SIGKILL");
      throw err;
    }
  };

  /** Signals the process (if it still runs) and waits for it and its pipes. */
  const halt = async (signal: Deno.Signal) => {
    const process = child;
    if (!process) return;
    if (!exited) {
      try {
        process.kill(signal);
      } catch {
        // Exited between the check and the signal.
      }
    }
    if (!(await settlesWithin(done, STOP_GRACE_MS))) {
      // A SIGTERM'd Redis that hangs (a stuck fsync, a busy script) must
      // still not outlive the test.
      try {
        process.kill("SIGKILL");
      } catch {
        // Exited at last.
      }
      await done;
    }
  };

  const cli = (...cliArgs: string[]) => redisCli(port, cliArgs, () => output);

  await spawn();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child?.pid ?? 0;
    },
    output: () => output,
    stop: () => halt("SIGTERM"),
    kill: () => halt("SIGKILL"),
    async restart() {
      await halt("SIGTERM");
      await spawn();
    },
    async flushAll() {
      await cli("FLUSHALL");
    },
    cli,
  };
}

/**
 * Starts `masters` cluster-enabled servers, joins them with
 * `redis-cli --cluster create` (no replicas) and waits until every node says
 * `cluster_state:ok`.
 */
export async function startRedisCluster(
  masters = 3,
): Promise<TestRedisCluster> {
  const nodes: TestRedis[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  const output = () =>
    nodes.map((node) => `--- node ${node.port} ---\n${node.output()}`)
      .join("\n");
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedis({
          args: [
            "--cluster-enabled",
            "yes",
            // nodes.conf lands in the node's own --dir.
            "--cluster-config-file",
            "nodes.conf",
            // The bus port defaults to port + 10000, which may be taken or
            // beyond 65535 for an ephemeral port: pick a free one as well.
            "--cluster-port",
            String(freePort()),
            "--cluster-node-timeout",
            "5000",
          ],
        }),
      );
    }
    const created = await runCli([
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    if (!created.ok) {
      throw new Error(
        `redis-cli --cluster create failed:\n${created.text}\n${output()}`,
      );
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const node of nodes) {
      while (
        !(await node.cli("CLUSTER", "INFO")).includes("cluster_state:ok")
      ) {
        if (Date.now() > deadline) {
          throw new Error(
            `Node ${node.port} did not reach cluster_state:ok:\n${output()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: nodes.map((node) => node.url),
    nodes,
    output,
    async flushAll() {
      await Promise.all(nodes.map((node) => node.flushAll()));
    },
    stop,
  };
}

/** What a `redis-cli` run printed, and whether it exited 0. */
interface CliResult {
  ok: boolean;
  text: string;
}

/**
 * Runs `redis-cli`, killed after `timeoutMs`: a port whose listener accepts
 * but never answers (another program took it) would hang it forever.
 */
async function runCli(
  args: string[],
  timeoutMs = 30_000,
): Promise<CliResult> {
  const cli = requireCommand("redis-cli", "redis-tools");
  const result = await new Deno.Command(cli, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const decoder = new TextDecoder();
  const text = decoder.decode(result.stdout) + decoder.decode(result.stderr);
  return {
    ok: result.success,
    text: result.signal
      ? `${text}(redis-cli killed after ${timeoutMs} ms)`
      : text,
  };
}

/**
 * `redis-cli -p PORT ...args`; throws with the server's output when the CLI
 * fails or Redis answers with an error (`redis-cli` exits 0 on those).
 */
async function redisCli(
  port: number,
  args: string[],
  output: () => string,
): Promise<string> {
  const result = await runCli(["-h", "127.0.0.1", "-p", String(port), ...args]);
  if (
    !result.ok || /^(ERR|WRONGTYPE|LOADING|MOVED|CROSSSLOT)\b/.test(result.text)
  ) {
    throw new Error(
      `redis-cli -p ${port} ${args.join(" ")}: ${result.text}\n${output()}`,
    );
  }
  return result.text;
}

/**
 * Polls `PING` until it answers `PONG`; `LOADING` (an AOF being replayed
 * after a restart) counts as not yet. Fails at once if the process exits,
 * and checks that the server answering is this process, not another one
 * that won the race for the port.
 */
async function waitForPing(
  port: number,
  pid: number,
  exited: () => boolean,
  output: () => string,
): Promise<void> {
  const address = ["-h", "127.0.0.1", "-p", String(port)];
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) {
      throw new Error(`redis-server on port ${port} exited:\n${output()}`);
    }
    const ping = await runCli([...address, "PING"], 1_000);
    if (ping.ok && ping.text.trim() === "PONG") {
      const info = await runCli([...address, "INFO", "server"], 1_000);
      const answering = info.text.match(/^process_id:(\d+)/m)?.[1];
      if (answering === String(pid)) return;
      throw new Error(
        `Port ${port} is answered by process ${answering}, not redis-server ${pid}:\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `redis-server on port ${port} did not answer PING:\n${output()}`,
  );
}

/** Whether `promise` settles within `ms` (it is left running either way). */
async function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
