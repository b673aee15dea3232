/**
 * Write contention on one hot room: closed-loop senders (send, wait for the
 * ack, send again) spread over the isolates of one `deno serve --parallel`
 * server, all in one room. With `CHAT_BROADCAST=0` (the KV-only engine)
 * every isolate writes the room itself, so this shows how fairly writers
 * that race on the room's head share it: the worst ack is the measure.
 *
 * Usage: deno run -A bench/hot_room.ts [senders=32] [seconds=5] [broadcast=0]
 *
 * @module
 */
import { startServer } from "../tests/helpers/server.ts";
import { TestClient } from "../tests/helpers/ws_client.ts";

const SENDERS = Number(Deno.args[0] ?? 32);
const SECONDS = Number(Deno.args[1] ?? 5);
const BROADCAST = Deno.args[2] ?? "0";

const server = await startServer({
  isolates: 2,
  env: { CHAT_SEND_RATE: "0", CHAT_BROADCAST: BROADCAST },
});
try {
  const clients = await Promise.all(
    Array.from(
      { length: SENDERS },
      (_, i) => TestClient.connect(server.wsUrl, { name: `sender${i}` }),
    ),
  );
  await Promise.all(clients.map((client) => client.join("hot")));
  const acks: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(clients.map(async (client, i) => {
    for (let n = 0; performance.now() < until; n++) {
      const sent = performance.now();
      await client.post("hot", `s${i}-${n}`, `message ${n}`);
      acks.push(performance.now() - sent);
    }
  }));
  acks.sort((a, b) => a - b);
  const at = (q: number) =>
    acks[Math.min(acks.length - 1, Math.floor(q * acks.length))];
  const metrics = await (await fetch(`${server.origin}/metrics`)).text();
  const conflicts = metrics.match(/^chat_store_conflicts_total (\d+)/m)?.[1];
  console.log(
    `${SENDERS} senders, ${SECONDS} s, CHAT_BROADCAST=${BROADCAST}: ` +
      `${acks.length} acks (${Math.round(acks.length / SECONDS)}/s), ` +
      `ack p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, ` +
      `max ${acks[acks.length - 1].toFixed(1)} ms; ` +
      `${conflicts ?? "?"} conflicts retried`,
  );
  await Promise.all(clients.map((client) => client.close()));
  if (Deno.env.get("DBG")) {
    console.log(
      server.output().split("\n").filter((l) => l.includes("DBG")).slice(0, 40)
        .join("\n"),
    );
  }
} finally {
  await server.stop();
}
