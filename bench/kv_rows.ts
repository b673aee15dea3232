/**
 * Micro-benchmark behind the storage layout: what one Deno KV (SQLite) commit
 * costs per room when it appends one message to each of R rooms, written as
 *
 * - `two`: a new segment row per room plus the rewritten head row, or
 * - `one`: only the head row, which carries the room's latest messages.
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

async function run(mode: "one" | "two", roomsPerCommit: number) {
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
for (const mode of ["two", "one"] as const) {
  for (const roomsPerCommit of [1, 10, 30, 90]) {
    const { msPerCommit, usPerRoom } = await run(mode, roomsPerCommit);
    console.log(
      `| ${
        mode === "two" ? "2 (segment + head)" : "1 (head)"
      } | ${roomsPerCommit} | ${msPerCommit.toFixed(3)} | ${
        usPerRoom.toFixed(1)
      } |`,
    );
  }
}
