import { equal, throws } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { parseWait, resumePoint } from "./params.ts";

const badRequest = (e: unknown) =>
  e instanceof ProtocolError && e.code === "bad_request";

Deno.test("wait: integers 0–30 only", () => {
  equal(parseWait(null), 0);
  equal(parseWait("0"), 0);
  equal(parseWait("30"), 30);
  equal(parseWait("07"), 7);
  for (const bad of ["-1", "31", "1.5", "abc", "", " 1", "1e1", "100", "+1"]) {
    throws(() => parseWait(bad), badRequest, bad);
  }
});

Deno.test("resume point: Last-Event-ID wins over ?since=", () => {
  const url = new URL("http://x/api/rooms/r/events?since=3");
  const at = (headers: Record<string, string>, u = url) =>
    resumePoint(new Request(u, { headers }), u);
  equal(at({}), 3);
  equal(at({ "last-event-id": "7" }), 7);
  equal(at({ "last-event-id": "" }), 3);
  equal(at({}, new URL("http://x/e")), undefined);
  throws(() => at({ "last-event-id": "x" }), badRequest);
  throws(() => at({}, new URL("http://x/e?since=-1")), badRequest);
});
