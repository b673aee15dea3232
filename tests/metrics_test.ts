/**
 * `/metrics` over a real two-isolate server: whichever isolate answers, it
 * reports the whole process, in valid Prometheus text.
 */
import assert, { deepEqual, equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";

/**
 * Checks the exposition rules a scraper relies on and returns each
 * unlabelled sample's value by name.
 */
function parseExposition(text: string): Map<string, number> {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const values = new Map<string, number>();
  for (const line of text.trimEnd().split("\n")) {
    const help = /^# HELP (\w+) \S/.exec(line);
    const type = /^# TYPE (\w+) (counter|gauge)$/.exec(line);
    const sample = /^(\w+)(\{node="[^"]+"\})? (\d+)$/.exec(line);
    if (help) {
      assert(!helps.has(help[1]), `one HELP for ${help[1]}`);
      helps.add(help[1]);
    } else if (type) {
      assert(!types.has(type[1]), `one TYPE for ${type[1]}`);
      types.set(type[1], type[2]);
      equal(type[1].endsWith("_total"), type[2] === "counter", line);
    } else {
      assert(sample, `a sample: ${line}`);
      assert(types.has(sample[1]), `declared before its samples: ${line}`);
      if (!sample[2]) values.set(sample[1], Number(sample[3]));
    }
  }
  deepEqual([...helps].sort(), [...types.keys()].sort());
  return values;
}

Deno.test({
  name: "/metrics from any isolate counts the whole process",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      isolates: 2,
      env: { CHAT_SEND_RATE: "0" },
    });
    try {
      const session = await fetch(`${server.origin}/api/session`, {
        method: "POST",
        body: '{"name":"counter"}',
      });
      const { token } = await session.json();

      // Each post on a new connection, which the kernel may hand to either
      // isolate; /healthz first on the same connection says which one.
      const postsByNode = new Map<string, number>();
      let posted = 0;
      for (
        let i = 0;
        i < 200 && (postsByNode.size < 2 ||
          Math.min(...postsByNode.values()) < 3);
        i++
      ) {
        const client = Deno.createHttpClient({});
        try {
          const health = await fetch(`${server.origin}/healthz`, { client });
          const { node } = await health.json();
          const res = await fetch(
            `${server.origin}/api/rooms/counted/messages`,
            {
              client,
              method: "POST",
              headers: { authorization: `Bearer ${token}` },
              body: JSON.stringify({ id: `m${i}`, text: `message ${i}` }),
            },
          );
          equal(res.status, 201);
          await res.body?.cancel();
          posted++;
          postsByNode.set(node, (postsByNode.get(node) ?? 0) + 1);
        } finally {
          client.close();
        }
      }
      equal(postsByNode.size, 2, "both isolates stored messages");

      // Scrapes on new connections, until both isolates have answered one.
      const answeredBy = new Set<string>();
      for (let i = 0; i < 100 && answeredBy.size < 2; i++) {
        const client = Deno.createHttpClient({});
        try {
          const health = await fetch(`${server.origin}/healthz`, { client });
          answeredBy.add((await health.json()).node);
          const res = await fetch(`${server.origin}/metrics`, { client });
          equal(res.status, 200);
          const values = parseExposition(await res.text());
          equal(values.get("chat_metrics_isolates"), 2);
          equal(values.get("chat_messages_stored_total"), posted);
        } finally {
          client.close();
        }
      }
      equal(answeredBy.size, 2, "both isolates answered a scrape");
    } finally {
      await server.stop();
    }
  },
});
