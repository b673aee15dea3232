import { deepEqual } from "node:assert/strict";
import { sleep, waitUntil } from "../../tests/helpers/wait.ts";
import { Bus } from "./bus.ts";
import { ScopedBus } from "./scoped_bus.ts";

const alice = { id: "u_alice", name: "alice" };

Deno.test("ScopedBus: a scope's messages reach only that scope's handlers", async () => {
  const channel = `scoped-test-${crypto.randomUUID()}`;
  const a = new Bus({ channel });
  const b = new Bus({ channel });
  try {
    const seen: string[] = [];
    b.on("typing", (m) => seen.push(`plain ${m.room}`));
    new ScopedBus(b, "one").on("typing", (m) => seen.push(`one ${m.room}`));
    new ScopedBus(b, "two").on("typing", (m) => seen.push(`two ${m.room}`));
    new ScopedBus(a, "one").post({ k: "typing", room: "x", user: alice });
    a.post({ k: "typing", room: "y", user: alice });
    await waitUntil("both arrived", () => seen.length === 2);
    await sleep(20); // nothing else comes
    deepEqual(seen.sort(), ["one x", "plain y"]);
  } finally {
    a.close();
    b.close();
  }
});
