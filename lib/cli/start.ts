/**
 * `deno task start`: builds the islands when stale, then runs the server
 * with `deno serve --parallel` (one isolate per core) on `PORT` (default
 * 8000), with only the permissions the server needs. Signals are passed on,
 * so Ctrl+C and SIGTERM stop the server gracefully. A port that can't be
 * listened on is one line and exit code 1, before anything is built.
 *
 * @module
 */
import { listenProblem } from "./port_probe.ts";

const port = Deno.env.get("PORT") ?? "8000";
if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
  console.error(`Cannot start: PORT="${port}" is not a TCP port`);
  Deno.exit(2);
}
const host = Deno.env.get("HOST") ?? "0.0.0.0";

/** Exits with one line when `deno serve` could not listen on HOST:PORT. */
function exitIfCannotListen(): void {
  const problem = listenProblem(host, Number(port));
  if (problem === null) return;
  console.error(`Cannot start: ${problem}`);
  Deno.exit(1);
}

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args, env }).spawn();
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const { code } = await child.status;
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  return code;
}

// Before the build, which can take seconds, and again after it, so the
// window in which another process can take the port stays short.
exitIfCannotListen();
const built = await run(["task", "build", "--if-stale"]);
if (built !== 0) Deno.exit(built);
exitIfCannotListen();

const kvPath = Deno.env.get("CHAT_KV_PATH") ?? "./data/chat.kv";
const writable = kvPath === ":memory:"
  ? []
  : [`--allow-write=${kvPath.replace(/[^/]*$/, "") || "."}`];
// Deno copies each WebSocket frame into a buffer of its socket that keeps
// its largest size for the socket's life; with vectored writes it sends
// header and payload as they are. A `joined` with the latest 50 messages is
// ~17 KB: 47 → 31 KiB of RSS per socket (bench/joined_memory.mjs).
const vectoredWrites = {
  DENO_USE_WRITEV: Deno.env.get("DENO_USE_WRITEV") ?? "1",
};
Deno.exit(
  await run([
    "serve",
    "--parallel",
    "--unstable-kv",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    ...writable,
    `--host=${host}`,
    `--port=${port}`,
    "main.ts",
  ], vectoredWrites),
);
