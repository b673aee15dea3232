import assert from "node:assert/strict";
import type { ChatMessage } from "../protocol/types.ts";
import { notifyIfHidden } from "./notify_hidden.ts";

const mention: ChatMessage = {
  room: "general",
  seq: 3,
  id: "m3",
  user: { id: "u_a", name: "alice" },
  text: "@me look",
  ts: 0,
  mentions: ["u_me"],
};
const rule = { meId: "u_me", level: "mentions" as const, dm: false };

/** Runs `notifyIfHidden` in a page stand-in; returns the notifications made. */
async function shown(
  visibilityState: string,
  permission: string,
  message = mention,
): Promise<unknown[]> {
  const made: unknown[] = [];
  const g = globalThis as Record<string, unknown>;
  g.document = { visibilityState };
  g.Notification = class {
    static permission = permission;
    onclick: unknown = null;
    constructor(title: string, options: NotificationOptions) {
      made.push({ title, ...options });
    }
  };
  try {
    notifyIfHidden("general", message, rule);
    // It loads notifications.ts first.
    await new Promise((r) => setTimeout(r, 100));
    return made;
  } finally {
    delete g.document;
    delete g.Notification;
  }
}

Deno.test("notifyIfHidden: a hidden tab with permission notifies", async () => {
  assert.deepEqual(await shown("hidden", "granted"), [{
    title: "alice in #general",
    body: "@me look",
    tag: "general:3",
    data: { url: "/rooms/general" },
    icon: "/static/icons/icon-192.png",
  }]);
});

Deno.test("notifyIfHidden: not while visible, without permission, or unwanted", async () => {
  assert.deepEqual(await shown("visible", "granted"), []);
  assert.deepEqual(await shown("hidden", "default"), []);
  assert.deepEqual(await shown("hidden", "denied"), []);
  assert.deepEqual(
    await shown("hidden", "granted", { ...mention, mentions: undefined }),
    [],
  );
});
