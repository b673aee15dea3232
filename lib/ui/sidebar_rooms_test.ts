import assert from "node:assert/strict";
import type { App } from "../server/app.ts";
import type { RoomSummary } from "../rooms/chat_port.ts";
import { SIDEBAR_MAX, sidebarRooms } from "./sidebar_rooms.ts";

const me = { id: "u_me", name: "me" };

/** The little of the app the sidebar reads: rooms' settings and members. */
const app = {
  access: {
    view: (room: string) =>
      Promise.resolve({
        settings: room === "dm-1" ? { dm: ["u_me", "u_maya"] } : {},
      }),
    members: () => Promise.resolve([{ id: "u_maya", name: "Maya" }]),
  },
} as unknown as App;

const summary = (room: string, counts?: Partial<RoomSummary>): RoomSummary => ({
  room,
  online: 0,
  users: [],
  seq: 10,
  lastTs: 0,
  ...counts,
});

Deno.test("sidebarRooms: the rooms the person is in, with counts, DMs labelled, without the open one", async () => {
  const entries = await sidebarRooms(app, me, [
    summary("general", { read: 10, unread: 0, mentions: 0 }),
    summary("random", { read: 4, unread: 5, mentions: 1 }),
    summary("lurked"), // listed, but never joined: no position
    summary("dm-1", { read: 9, unread: 1, mentions: 0 }),
    summary("dm-nolabel", { read: 0, unread: 2, mentions: 0 }),
  ], "general");
  assert.deepEqual(entries, [
    { room: "random", unread: 5, mentions: 1 },
    { room: "dm-1", unread: 1, mentions: 0, label: "Maya" },
    { room: "dm-nolabel", unread: 2, mentions: 0 },
  ]);
});

Deno.test("sidebarRooms: at most SIDEBAR_MAX rooms", async () => {
  const many = Array.from(
    { length: SIDEBAR_MAX + 5 },
    (_, i) => summary(`r${i}`, { read: 0, unread: 0, mentions: 0 }),
  );
  assert.equal((await sidebarRooms(app, me, many, "x")).length, SIDEBAR_MAX);
});
