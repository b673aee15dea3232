import { deepEqual } from "node:assert/strict";
import { connectionErrorLog, REPEAT_MS } from "./connection_log.ts";

Deno.test("redis connection errors: the first is logged, repeats once per period with their count", () => {
  const lines: Array<[string, unknown, Record<string, unknown>?]> = [];
  let time = 0;
  const onError = connectionErrorLog(
    { error: (event, error, fields) => lines.push([event, error, fields]) },
    () => time,
  );
  const refused = new Error("connect ECONNREFUSED 127.0.0.1:6399");
  onError(refused);
  for (let i = 0; i < 5; i++) {
    time += 2_000;
    onError(refused);
  }
  time = REPEAT_MS + 1;
  onError(refused);
  onError(new Error("NOAUTH Authentication required"));
  deepEqual(lines, [
    ["redis connection error", "connect ECONNREFUSED 127.0.0.1:6399", {}],
    ["redis connection error", "connect ECONNREFUSED 127.0.0.1:6399", {
      repeated: 5,
    }],
    ["redis connection error", "NOAUTH Authentication required", {}],
  ]);
});
