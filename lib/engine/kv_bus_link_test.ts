import { deepEqual, equal, match } from "node:assert/strict";
import type { BusMessage } from "../bus/messages.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";
import { BOX_BYTES, KvBusLink } from "./kv_bus_link.ts";

/** Links of several nodes on one KV file, each on its own connection. */
async function network() {
  const dir = await Deno.makeTempDir({ prefix: "kv-bus-" });
  const opened: Array<{ link: KvBusLink; kv: Deno.Kv }> = [];
  const errors: unknown[] = [];
  return {
    errors,
    async join(node: string) {
      const kv = await Deno.openKv(`${dir}/chat.kv`);
      const link = await KvBusLink.open({
        kv,
        node,
        onError: (error) => errors.push(error),
      });
      const heard: BusMessage[] = [];
      link.onmessage = (event) => heard.push(event.data as BusMessage);
      opened.push({ link, kv });
      return { link, heard };
    },
    async close() {
      for (const { link, kv } of opened) {
        link.close();
        await link.flushed();
        kv.close();
      }
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const hb = (node: string, ver: number): BusMessage => ({ k: "hb", node, ver });

Deno.test({
  name:
    "kv bus: a burst of posts reaches every other node complete and in order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const net = await network();
    try {
      const a = await net.join("a");
      const b = await net.join("b");
      const c = await net.join("c");
      for (let ver = 1; ver <= 300; ver++) a.link.postMessage(hb("a", ver));
      await waitUntil(
        "b and c heard all",
        () => b.heard.length === 300 && c.heard.length === 300,
      );
      const expected = Array.from({ length: 300 }, (_, i) => hb("a", i + 1));
      deepEqual(b.heard, expected);
      deepEqual(c.heard, expected);
      await a.link.flushed();
      equal(a.heard.length, 0, "a node never hears itself");
      deepEqual(net.errors, []);
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name: "kv bus: a node that joins later hears only what is posted after",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const net = await network();
    try {
      const a = await net.join("a");
      a.link.postMessage(hb("a", 1));
      await a.link.flushed();
      const late = await net.join("late");
      a.link.postMessage(hb("a", 2));
      await waitUntil("the late node heard a", () => late.heard.length > 0);
      await a.link.flushed();
      deepEqual(late.heard, [hb("a", 2)]);
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name:
    "kv bus: a post larger than a box is refused and counted, the rest go on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const net = await network();
    try {
      const a = await net.join("a");
      const b = await net.join("b");
      const huge: BusMessage = {
        k: "typing",
        room: "r",
        user: { id: "u", name: "x".repeat(BOX_BYTES) },
      };
      a.link.postMessage(huge);
      a.link.postMessage(hb("a", 1));
      await waitUntil("b heard the small post", () => b.heard.length > 0);
      deepEqual(b.heard, [hb("a", 1)]);
      equal(a.link.tooLarge, 1);
      equal(net.errors.length, 1);
      match(String(net.errors[0]), /Cannot post "typing" on the KV bus/);
    } finally {
      await net.close();
    }
  },
});

Deno.test({
  name:
    "kv bus: many posts of a burst that outgrow one box drop the oldest, never the newest",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const net = await network();
    try {
      const a = await net.join("a");
      const b = await net.join("b");
      // Each post is ~1 KB: a box holds about 60, the burst is 200.
      const post = (n: number): BusMessage => ({
        k: "typing",
        room: `r${n}`,
        user: { id: `u${n}`, name: "y".repeat(1_000) },
      });
      for (let n = 0; n < 200; n++) a.link.postMessage(post(n));
      await waitUntil(
        "b heard the last post",
        () => b.heard.some((m) => m.k === "typing" && m.room === "r199"),
      );
      const rooms = b.heard.map((m) => m.k === "typing" ? m.room : "");
      equal(rooms.at(-1), "r199");
      // What arrived is in order, without repeats.
      const numbers = rooms.map((r) => Number(r.slice(1)));
      deepEqual(numbers, [...numbers].sort((x, y) => x - y));
      equal(new Set(numbers).size, numbers.length);
      deepEqual(net.errors, []);
    } finally {
      await net.close();
    }
  },
});
