import { deepEqual, equal } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

Deno.test("deno task start on a taken port prints one line and exits 1", async () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = held.addr as Deno.NetAddr;
  try {
    // HOST is left unset: the default (every address) overlaps the holder.
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: ROOT,
      env: { PORT: String(port), NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(code, 1);
    equal(new TextDecoder().decode(stdout), "");
    // `deno task` names the task it runs; the rest is ours, and no
    // `Task build` line: the port is checked before the islands are built.
    const lines = new TextDecoder().decode(stderr).split("\n")
      .filter((line) => line !== "" && !line.startsWith("Task start "));
    deepEqual(lines, [
      `Cannot start: port ${port} is already in use (set PORT to another port)`,
    ]);
  } finally {
    held.close();
  }
});

/** The pid of the process whose command line holds `arg`, if one does. */
function pidWithArg(arg: string): number | undefined {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const args = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`)
        .split("\0");
      if (args.includes(arg)) return Number(entry.name);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

Deno.test({
  name: "deno task start serves with vectored WebSocket writes",
  ignore: Deno.build.os !== "linux", // reads the server's environment in /proc
  async fn() {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = probe.addr as Deno.NetAddr;
    probe.close();
    const task = new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: ROOT,
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        CHAT_KV_PATH: ":memory:",
        NO_COLOR: "1",
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      let server: number | undefined;
      for (let i = 0; i < 600 && server === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        server = pidWithArg(`--port=${port}`);
      }
      if (server === undefined) throw new Error("deno serve did not start");
      const environment = Deno.readTextFileSync(`/proc/${server}/environ`)
        .split("\0");
      equal(environment.includes("DENO_USE_WRITEV=1"), true);
    } finally {
      task.kill("SIGTERM");
      await task.status;
    }
  },
});
