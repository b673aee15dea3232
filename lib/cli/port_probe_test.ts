import { equal, match } from "node:assert/strict";
import { listenProblem } from "./port_probe.ts";

Deno.test("a port someone listens on is reported in one line", () => {
  const held = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = held.addr as Deno.NetAddr;
  try {
    const expected =
      `port ${port} is already in use (set PORT to another port)`;
    equal(listenProblem("127.0.0.1", port), expected);
    // The default HOST (every address) overlaps the loopback listener.
    equal(listenProblem("0.0.0.0", port), expected);
  } finally {
    held.close();
  }
  // Free again, and the probe itself left nothing listening.
  equal(listenProblem("127.0.0.1", port), null);
  equal(listenProblem("127.0.0.1", port), null);
});

Deno.test("a HOST that is not this machine's is named", () => {
  // TEST-NET-1 (RFC 5737): never assigned to a local interface.
  match(listenProblem("192.0.2.1", 0) ?? "", /^HOST="192\.0\.2\.1" is not/);
});
