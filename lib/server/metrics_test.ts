import { deepEqual, equal, throws } from "node:assert/strict";
import { Metrics, renderMetrics } from "./metrics.ts";

Deno.test("no isolate renders only the isolate count", () => {
  equal(
    renderMetrics([]),
    [
      "# HELP chat_metrics_isolates Isolates whose metrics this answer includes",
      "# TYPE chat_metrics_isolates gauge",
      "chat_metrics_isolates 0",
      "",
    ].join("\n"),
  );
});

Deno.test("a snapshot reads counters and gauges at the time it is taken", () => {
  const metrics = new Metrics();
  const stored = metrics.counter("chat_stored_total", "Messages stored");
  let refills = 2;
  metrics.counter("chat_refills_total", "Refills", () => refills);
  let open = 3;
  metrics.gauge("chat_connections", "Open connections", () => open);
  stored.inc();
  stored.inc(4);
  const before = metrics.snapshot();
  refills = 5;
  open = 1;
  deepEqual(before.map((f) => [f.name, f.type, f.value]), [
    ["chat_stored_total", "counter", 5],
    ["chat_refills_total", "counter", 2],
    ["chat_connections", "gauge", 3],
  ]);
  deepEqual(metrics.snapshot().map((f) => f.value), [5, 5, 1]);
});

Deno.test("names follow the exposition rules, checked when declared", () => {
  const metrics = new Metrics();
  throws(() => metrics.counter("chat_refills", "no suffix"), /_total/);
  throws(() => metrics.gauge("chat_open_total", "suffix", () => 0), /_total/);
  throws(() => metrics.gauge("chat-open", "bad character", () => 0), /name/);
  throws(
    () => metrics.gauge("chat_metrics_isolates", "reserved", () => 0),
    /twice/,
  );
  metrics.gauge("chat_open", "first", () => 0);
  throws(() => metrics.gauge("chat_open", "again", () => 0), /twice/);
});

Deno.test("isolates' samples merge: sums, and per-isolate gauges by node", () => {
  const isolate = (open: number, rooms: number, stored: number) => {
    const metrics = new Metrics();
    metrics.counter("chat_stored_total", "Messages stored").inc(stored);
    metrics.gauge("chat_connections", "Open connections", () => open);
    metrics.gauge("chat_rooms", "Rooms here", () => rooms, {
      perIsolate: true,
    });
    return metrics.snapshot();
  };
  equal(
    renderMetrics([
      { node: "aa", families: isolate(2, 1, 5) },
      { node: "bb", families: isolate(3, 4, 7) },
    ]),
    [
      "# HELP chat_metrics_isolates Isolates whose metrics this answer includes",
      "# TYPE chat_metrics_isolates gauge",
      "chat_metrics_isolates 2",
      "# HELP chat_stored_total Messages stored",
      "# TYPE chat_stored_total counter",
      "chat_stored_total 12",
      "# HELP chat_connections Open connections",
      "# TYPE chat_connections gauge",
      "chat_connections 5",
      "# HELP chat_rooms Rooms here",
      "# TYPE chat_rooms gauge",
      'chat_rooms{node="aa"} 1',
      'chat_rooms{node="bb"} 4',
      "",
    ].join("\n"),
  );
});
