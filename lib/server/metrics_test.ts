import { equal } from "node:assert/strict";
import { Metrics } from "./metrics.ts";

Deno.test("an empty registry renders a lone newline", () => {
  equal(new Metrics().render("n1"), "\n");
});

Deno.test("counters and gauges render in the Prometheus text format", () => {
  const metrics = new Metrics();
  const stored = metrics.counter(
    "chat_messages_stored_total",
    "Messages stored",
  );
  const errors = metrics.counter("chat_errors_total", "Protocol errors");
  let open = 3;
  metrics.gauge("chat_connections", "Open connections", () => open);
  stored.inc();
  stored.inc(4);
  equal(
    metrics.render("ab12cd34"),
    [
      "# HELP chat_messages_stored_total Messages stored",
      "# TYPE chat_messages_stored_total counter",
      'chat_messages_stored_total{node="ab12cd34"} 5',
      "# HELP chat_errors_total Protocol errors",
      "# TYPE chat_errors_total counter",
      'chat_errors_total{node="ab12cd34"} 0',
      "# HELP chat_connections Open connections",
      "# TYPE chat_connections gauge",
      'chat_connections{node="ab12cd34"} 3',
      "",
    ].join("\n"),
  );
  // Gauges are read at scrape time; counters keep counting.
  open = 1;
  errors.inc();
  const again = metrics.render("ab12cd34");
  equal(again.includes('chat_connections{node="ab12cd34"} 1\n'), true);
  equal(again.includes('chat_errors_total{node="ab12cd34"} 1\n'), true);
  equal(again.endsWith("\n"), true);
});
