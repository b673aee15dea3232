/**
 * Micro-benchmark behind the storage layout: what one Deno KV (SQLite) commit
 * costs per room when it appends one message to each of R rooms, written as
 *
 * - `two`: a new segment row per room plus the rewritten head row,
 * - `one`: only the head row, which carries the room's latest messages,
 * - `ids`: the head row plus the sender's recent-ids row of the room
 *   (`["ids", room, user]`, rewritten; {@linkcode IDS_PER_ROW} ids of 20
 *   characters, with `seq` and time, as `recent_ids.ts` encodes them), or
 * - `idrow`: the head row plus one idempotency row per message with
 *   `expireIn` (the layout before segments).
 *
 * Rooms are drawn at random from 1 000, like the latency scenario's. Each
 * commit checks every room's head versionstamp, as the writer does.
 *
 * Usage: taskset -c 0 deno run -A bench/kv_rows.ts [commits=400]
 *
 * @module
 */
const COMMITS = Number(Deno.args[0] ?? 400);
const ROOMS = 1000;
/** Senders per room (the `ids` row rewritten is the sender's). */
const USERS = 20;
/** Entries in each `ids` row: a user's sends in the room within 24 h. */
const IDS_PER_ROW = [10, 100, 1000];

/** A recent-ids row of `count` entries, encoded as `recent_ids.ts` does. */
function idsRow(count: number, seq: number) {
  return {
    ids: Array.from({ length: count }, (_, i) => `k1n${seq - i}abcdefghijklm`)
      .join(" "),
    seqs: Array.from({ length: count }, (_, i) => seq - i),
    secs: Array.from({ length: count }, (_, i) => i * 60),
    at: Math.floor(Date.now() / 1000),
  };
}

function message(room: string, seq: number) {
  return {
    room,
    seq,
    id: `k1n${seq}`,
    user: { id: "u_abcdefgh", name: "f1" },
    text: "c1n1 Hello World! some text",
    ts: Date.now(),
  };
}

type Mode = "one" | "two" | "ids" | "idrow";

async function run(mode: Mode, roomsPerCommit: number, idsPerRow = 0) {
  const dir = await Deno.makeTempDir({ prefix: "kv-rows-" });
  const kv = await Deno.openKv(`${dir}/bench.kv`);
  const versionstamps = new Map<string, string | null>();
  const seqs = new Map<string, number>();
  const started = performance.now();
  let rooms = 0;
  for (let i = 0; i < COMMITS; i++) {
    const atomic = kv.atomic();
    const picked = new Set<string>();
    while (picked.size < roomsPerCommit) {
      picked.add(`room${Math.floor(Math.random() * ROOMS)}`);
    }
    for (const room of picked) {
      const seq = (seqs.get(room) ?? 0) + 1;
      seqs.set(room, seq);
      atomic.check({
        key: ["room", room],
        versionstamp: versionstamps.get(room) ?? null,
      });
      if (mode === "two") {
        atomic.set(["seg", room, seq], [message(room, seq)]);
        atomic.set(["room", room], { seq, lastTs: Date.now() });
      } else {
        atomic.set(["room", room], {
          seq,
          lastTs: Date.now(),
          recent: [message(room, seq)],
        });
      }
      if (mode === "ids") {
        const user = `u_${Math.floor(Math.random() * USERS)}`;
        atomic.set(["ids", room, user], idsRow(idsPerRow, seq));
      } else if (mode === "idrow") {
        atomic.set(["idem", room, "u_abcdefgh", `k1n${seq}`], seq, {
          expireIn: 86_400_000,
        });
      }
    }
    const outcome = await atomic.commit();
    if (!outcome.ok) throw new Error("unexpected conflict");
    for (const room of picked) versionstamps.set(room, outcome.versionstamp);
    rooms += picked.size;
  }
  const ms = performance.now() - started;
  kv.close();
  await Deno.remove(dir, { recursive: true });
  return { msPerCommit: ms / COMMITS, usPerRoom: (ms * 1000) / rooms };
}

console.log(
  "| rows per room | rooms per commit | ms per commit | µs per room |",
);
console.log("| --- | --- | --- | --- |");
const modes: Array<[Mode, number, string]> = [
  ["two", 0, "2 (segment + head)"],
  ["one", 0, "1 (head)"],
  ...IDS_PER_ROW.map((n): [Mode, number, string] => [
    "ids",
    n,
    `2 (head + ids row of ${n})`,
  ]),
  ["idrow", 0, "2 (head + idempotency row, expireIn)"],
];
for (const [mode, idsPerRow, label] of modes) {
  for (const roomsPerCommit of [1, 10, 30, 90]) {
    const { msPerCommit, usPerRoom } = await run(
      mode,
      roomsPerCommit,
      idsPerRow,
    );
    console.log(
      `| ${label} | ${roomsPerCommit} | ${msPerCommit.toFixed(3)} | ${
        usPerRoom.toFixed(1)
      } |`,
    );
  }
}
