/**
 * What folding costs a history page: the time of the latest page of 50
 * messages (`before` omitted) and of a page in the middle of a room of
 * 1 000 messages, without and with 1 000 edits and reactions stored after
 * them, on the KV store (the embedded and KV-only engines) and, when
 * `redis-server` is installed, on the Redis engine's log.
 *
 * The updates target the latest page's own messages (all 1 000 stored after
 * them, every message of the page folded) or messages spread over the room.
 * Updates are stored apart from messages (KV update segments, a Redis
 * update stream), so a page reads no more messages than without them, plus
 * the folds of its `seq` range.
 *
 * Usage: deno run -A bench/fold_page.ts [pages=300]
 *
 * @module
 */
import type { User } from "../lib/protocol/types.ts";
import type { EventInput, EventLog } from "../lib/engine/engine.ts";
import { KvEventLog } from "../lib/engine/kv_event_log.ts";
import { MessageStore } from "../lib/store/message_store.ts";
import { RedisLog } from "../lib/engine/redis/redis_log.ts";
import { connectNodeRedis } from "../lib/engine/redis/node_redis.ts";
import { startRedis } from "../tests/helpers/redis.ts";

const PAGES = Number(Deno.args[0] ?? 300);
const MESSAGES = 1_000;
const UPDATES = 1_000;
const users: User[] = Array.from({ length: 20 }, (_, i) => ({
  id: `u_${i.toString().padStart(20, "0")}`,
  name: `user ${i}`,
}));

type Layout = "none" | "latest" | "spread";

/**
 * Fills `room` with messages and, per layout, edits and reactions, one at a
 * time, as people send them: each commit then spills the head's few
 * latest events into a small segment, the most segments a page can meet.
 */
async function fill(log: EventLog, room: string, layout: Layout) {
  const text = (n: number) => `message ${n}: ${"lorem ipsum ".repeat(4)}`;
  const append = (user: User, id: string, input: EventInput) =>
    log.append(room, user, id, input);
  for (let n = 1; n <= MESSAGES; n++) {
    await append(users[n % users.length], `m${n}`, {
      type: "message",
      text: text(n),
    });
  }
  if (layout === "none") return;
  const targetOf = (n: number) =>
    layout === "latest"
      ? MESSAGES - (n % 50)
      : 1 + Math.floor((n * 7919) % MESSAGES);
  for (let n = 0; n < UPDATES; n++) {
    const target = targetOf(n);
    const author = users[target % users.length];
    const input: EventInput = n % 2 === 0
      ? { type: "edit", target, text: `${text(target)} (edit ${n})` }
      : {
        type: "reaction",
        target,
        emoji: ["👍", "🎉", "❤️", "😂"][n % 4],
        on: true,
      };
    // Edits are the author's; reactions anyone's.
    const user = input.type === "edit" ? author : users[n % users.length];
    await append(user, `u${n}`, input);
  }
}

/** Median and p95 of `fn` over `PAGES` runs, in ms. */
async function time(fn: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.floor(q * (samples.length - 1))];
  return `${at(0.5).toFixed(3)} ms (p95 ${at(0.95).toFixed(3)})`;
}

async function measure(engine: string, log: EventLog) {
  for (const layout of ["none", "latest", "spread"] as const) {
    const room = `bench-${layout}`;
    await fill(log, room, layout);
    const latest = await time(() => log.before(room, undefined, 50));
    const middle = await time(() => log.before(room, 500, 50));
    const page = await log.before(room, undefined, 50);
    const folded = page.messages.filter((m) => m.edited || m.reactions).length;
    console.log(
      `${engine.padEnd(6)} ${
        (layout === "none" ? "no updates" : `1000 updates, ${layout}`).padEnd(
          24,
        )
      } latest page: ${latest}  page before 500: ${middle}  (${page.messages.length} messages, ${folded} folded)`,
    );
  }
}

const dir = await Deno.makeTempDir({ prefix: "fold-bench-" });
const kv = await Deno.openKv(`${dir}/chat.kv`);
const store = new MessageStore(kv, 10_000);
await measure(
  "kv",
  new KvEventLog(
    store,
    "bench",
    (room, user, id, input) => store.append(room, user, id, input),
  ),
);
kv.close();
await Deno.remove(dir, { recursive: true });

const redis = await startRedis().catch(() => undefined);
if (redis) {
  const connection = await connectNodeRedis({
    url: redis.url,
    cluster: false,
    onError: () => {},
  });
  await measure("redis", new RedisLog(connection, 10_000, () => {}));
  await connection.close();
  await redis.stop();
} else {
  console.log("redis  (skipped: redis-server is not installed)");
}
