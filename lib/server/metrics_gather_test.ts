import { deepEqual, equal } from "node:assert/strict";
import { MetricsGatherer } from "./metrics_gather.ts";
import type { FamilySample } from "./metrics.ts";

const stored = (value: number): FamilySample[] => [
  {
    name: "chat_stored_total",
    help: "h",
    type: "counter",
    value,
    perIsolate: false,
  },
];

/** Resolves once `check` holds, polling the event loop. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function gatherer(channel: string, node: string, value: () => number) {
  return new MetricsGatherer({
    channel,
    node,
    snapshot: () => stored(value()),
    timeoutMs: 1_000,
  });
}

Deno.test("a gatherer collects its peers' samples over the channel", async () => {
  const channel = `metrics-test-${crypto.randomUUID()}`;
  let a = 1;
  const first = gatherer(channel, "a", () => a);
  const second = gatherer(channel, "b", () => 20);
  try {
    // Each learns the other from the hello/here exchange.
    await until(() =>
      first.peers().includes("b") && second.peers().includes("a")
    );
    a = 3;
    const started = Date.now();
    const samples = await first.gather();
    deepEqual(samples, [
      { node: "a", families: stored(3) },
      { node: "b", families: stored(20) },
    ]);
    equal(Date.now() - started < 500, true, "done when all peers answered");
    deepEqual((await second.gather()).map((s) => s.node), ["b", "a"]);
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("a peer that says bye is no longer waited for", async () => {
  const channel = `metrics-test-${crypto.randomUUID()}`;
  const first = gatherer(channel, "a", () => 1);
  const second = gatherer(channel, "b", () => 2);
  try {
    await until(() => first.peers().includes("b"));
    second.close();
    await until(() => first.peers().length === 0);
    deepEqual(await first.gather(), [{ node: "a", families: stored(1) }]);
  } finally {
    first.close();
  }
});

Deno.test("a silent peer costs one scrape the deadline, then is forgotten", async () => {
  const channel = `metrics-test-${crypto.randomUUID()}`;
  const first = new MetricsGatherer({
    channel,
    node: "a",
    snapshot: () => stored(1),
    timeoutMs: 50,
  });
  // A peer that says hello and then never answers (a stuck isolate).
  const stuck = new BroadcastChannel(channel);
  try {
    stuck.postMessage({ k: "hello", node: "z" });
    await until(() => first.peers().includes("z"));
    const started = Date.now();
    deepEqual(await first.gather(), [{ node: "a", families: stored(1) }]);
    equal(Date.now() - started >= 45, true, "waited for the deadline");
    deepEqual(first.peers(), []);
  } finally {
    stuck.close();
    first.close();
  }
});

Deno.test("alone, a gatherer opens no channel and reports itself", async () => {
  const gathererAlone = new MetricsGatherer({
    channel: "unused",
    node: "a",
    snapshot: () => stored(4),
    timeoutMs: 1_000,
    alone: true,
  });
  deepEqual(await gathererAlone.gather(), [{ node: "a", families: stored(4) }]);
  gathererAlone.close();
});
