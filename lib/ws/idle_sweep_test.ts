import { deepEqual, equal, throws } from "node:assert/strict";
import { IdleSweep, type IdleWatched } from "./idle_sweep.ts";

class FakeSocket implements IdleWatched {
  closed = false;
  constructor(
    readonly name: string,
    public heard: number,
    readonly sockets: Set<FakeSocket>,
  ) {
    sockets.add(this);
  }
  closeIdle(): void {
    this.closed = true;
    this.sockets.delete(this); // as Connection does: leaves the open set
  }
}

Deno.test("the sweep runs four times per idle period", () => {
  equal(new IdleSweep(60_000).intervalMs, 15_000);
  equal(new IdleSweep(2).intervalMs, 1);
});

Deno.test("an idle period of zero or less is refused", () => {
  for (const idleMs of [0, -1, NaN]) {
    throws(() => new IdleSweep(idleMs), RangeError);
  }
});

Deno.test("a socket is closed once silent for more than four sweeps", () => {
  const idle = new IdleSweep(400);
  const sockets = new Set<FakeSocket>();
  const quiet = new FakeSocket("quiet", idle.tick, sockets);
  const chatty = new FakeSocket("chatty", idle.tick, sockets);
  const closedAt: Record<string, number> = {};
  for (let sweep = 1; sweep <= 10; sweep++) {
    chatty.heard = idle.tick; // hears from its client between every sweep
    idle.sweep(sockets);
    for (const socket of [quiet, chatty]) {
      if (socket.closed && !(socket.name in closedAt)) {
        closedAt[socket.name] = sweep;
      }
    }
  }
  // Heard at tick 0, so silent for four whole intervals at the fifth sweep.
  deepEqual(closedAt, { quiet: 5 });
  deepEqual([...sockets].map((s) => s.name), ["chatty"]);
});
