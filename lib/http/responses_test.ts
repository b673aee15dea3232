import { deepEqual, equal } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { errorResponse, json } from "./responses.ts";

Deno.test("json sets status, JSON content type and no-store", async () => {
  const response = json({ ok: true, name: "Zoë" }, 201, { "x-extra": "1" });
  equal(response.status, 201);
  equal(
    response.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
  equal(response.headers.get("cache-control"), "no-store");
  equal(response.headers.get("x-extra"), "1");
  equal(await response.text(), '{"ok":true,"name":"Zoë"}');
  const plain = json([1, 2]);
  equal(plain.status, 200);
  deepEqual(await plain.json(), [1, 2]);
});

Deno.test("json overrides a content type passed in headers", () => {
  const response = json({}, 200, { "content-type": "text/plain" });
  equal(
    response.headers.get("content-type"),
    "application/json; charset=utf-8",
  );
});

Deno.test("errorResponse uses the contract body and the code's status", async () => {
  const cases: Array<[ProtocolError, number]> = [
    [new ProtocolError("bad_request", "Body is not valid JSON"), 400],
    [new ProtocolError("room_invalid", "bad room"), 400],
    [new ProtocolError("unauthenticated", "who are you"), 401],
    [new ProtocolError("forbidden", "no"), 403],
    [new ProtocolError("not_found", "none"), 404],
    [new ProtocolError("too_large", "big"), 413],
    [new ProtocolError("internal", "oops"), 500],
  ];
  for (const [error, status] of cases) {
    const response = errorResponse(error);
    equal(response.status, status);
    equal(response.headers.get("retry-after"), null);
    equal(response.headers.get("cache-control"), "no-store");
    deepEqual(await response.json(), {
      error: { code: error.code, message: error.message },
    });
  }
});

Deno.test("rate_limited carries Retry-After in whole seconds, rounded up, at least 1", async () => {
  const cases: Array<[number, string]> = [
    [0, "1"],
    [1, "1"],
    [999, "1"],
    [1000, "1"],
    [1001, "2"],
    [2500, "3"],
    [60_000, "60"],
  ];
  for (const [retryAfterMs, header] of cases) {
    const response = errorResponse(
      new ProtocolError("rate_limited", "slow down", { retryAfterMs }),
    );
    equal(response.status, 429);
    equal(response.headers.get("retry-after"), header, `${retryAfterMs} ms`);
    deepEqual(await response.json(), {
      error: { code: "rate_limited", message: "slow down", retryAfterMs },
    });
  }
  const without = errorResponse(new ProtocolError("rate_limited", "slow"));
  equal(without.headers.get("retry-after"), null);
  deepEqual(await without.json(), {
    error: { code: "rate_limited", message: "slow" },
  });
});
