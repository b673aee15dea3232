import assert from "node:assert/strict";
import { watchBrowser } from "./browser_events.ts";

Deno.test("browser events: online, focus and a shown tab wake; offline reports; unwatch stops", () => {
  const log: string[] = [];
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: "hidden" });
  const stop = watchBrowser(
    {
      wake: () => log.push("wake"),
      wentOffline: () => log.push("offline"),
    },
    win,
    doc,
  );
  win.dispatchEvent(new Event("offline"));
  win.dispatchEvent(new Event("online"));
  win.dispatchEvent(new Event("focus"));
  doc.dispatchEvent(new Event("visibilitychange")); // hidden: nothing
  doc.visibilityState = "visible";
  doc.dispatchEvent(new Event("visibilitychange"));
  assert.deepEqual(log, ["offline", "wake", "wake", "wake"]);
  stop();
  win.dispatchEvent(new Event("online"));
  doc.dispatchEvent(new Event("visibilitychange"));
  assert.equal(log.length, 4);
});
