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
