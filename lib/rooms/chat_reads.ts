/**
 * The parts of the chat that keep people's places in rooms, wired once per
 * node: read positions and levels (records), the members `@mentions` name,
 * the attention registry (a second presence, of pages not hidden) and the
 * notifier that pushes to the away.
 *
 * @module
 */
import type { Bus } from "../bus/bus.ts";
import { ScopedBus } from "../bus/scoped_bus.ts";
import type { Records } from "../engine/records.ts";
import { RoomMembers } from "../mentions/room_members.ts";
import { Notifier, type PushSender } from "../notify/notifier.ts";
import { Presence } from "../presence/presence.ts";
import { UserRooms } from "../reads/user_rooms.ts";
import type { ChatReads } from "./chat_service.ts";
import { UserChannels } from "./user_channels.ts";

/** What {@linkcode createChatReads} needs. */
export interface ChatReadsOptions {
  records: Records;
  bus: Bus;
  node: string;
  push: PushSender;
  onError: (error: unknown) => void;
  /**
   * How long a page stays attentive after it closed or hid: a reload is
   * not an absence worth a push.
   */
  attentionGraceMs: number;
}

/** The node's {@linkcode ChatReads}, with the attention registry's timers. */
export function createChatReads(
  options: ChatReadsOptions,
): ChatReads & { tick(): void; close(): void } {
  const userRooms = new UserRooms(options.records);
  const attention = new Presence({
    node: options.node,
    bus: new ScopedBus(options.bus, "attention"),
    graceMs: options.attentionGraceMs,
    onChange: () => {}, // nobody is shown who looks at what
  });
  const notifier = new Notifier(
    {
      levels: (room, ids) => userRooms.levels(room, ids),
      notifyAll: (room) => userRooms.notifyAll(room),
      attentive: (room, userId) => attention.has(room, userId),
    },
    options.push,
    options.onError,
  );
  return {
    userRooms,
    members: new RoomMembers((room) => userRooms.names(room)),
    attention,
    notifier,
    users: new UserChannels(options.bus),
    tick: () => attention.tick(),
    close: () => attention.close(),
  };
}
