/**
 * The rooms this browser visited, most recent first, kept in `localStorage`
 * so the room sidebar can list them on every page without asking the
 * server (which does not know which rooms a person cares about).
 *
 * @module
 */
import type { StorageLike } from "../client/outbox.ts";
import { isRoomName } from "../protocol/validate.ts";

/** The storage key. */
export const VISITED_KEY = "chat.rooms.v1";
/**
 * The labels of visited rooms that have one (a direct message's other
 * person), kept beside the list: room → label.
 */
export const LABELS_KEY = "chat.rooms.labels.v1";
/** The longest label kept (a display name is at most 32 characters). */
const MAX_LABEL = 64;
/** How many rooms are remembered: the least recently visited go first. */
export const VISITED_MAX = 20;

/** The remembered rooms, most recent first; [] when none or unreadable. */
export function readVisited(storage: StorageLike | null): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(VISITED_KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    // Storage is shared with anything on this origin: keep only room names.
    return parsed.filter((r): r is string =>
      typeof r === "string" && isRoomName(r)
    ).slice(0, VISITED_MAX);
  } catch {
    return []; // malformed JSON or storage access denied
  }
}

/**
 * Records a visit to `room` (moved to the front) and returns the new list.
 * A failing storage (full, denied) only loses the memory, not the page.
 */
export function recordVisit(
  storage: StorageLike | null,
  room: string,
): string[] {
  const rooms = [room, ...readVisited(storage).filter((r) => r !== room)]
    .slice(0, VISITED_MAX);
  try {
    storage?.setItem(VISITED_KEY, JSON.stringify(rooms));
  } catch {
    // Quota or privacy mode: the list still holds for this page.
  }
  return rooms;
}

/** The labels of remembered rooms; {} when none or unreadable. */
export function readLabels(
  storage: StorageLike | null,
): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(LABELS_KEY) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return {};
    const labels: Record<string, string> = {};
    for (const [room, label] of Object.entries(parsed)) {
      // Storage is shared with anything on this origin: keep only sane ones.
      if (
        isRoomName(room) && typeof label === "string" && label !== "" &&
        label.length <= MAX_LABEL
      ) {
        labels[room] = label;
      }
    }
    return labels;
  } catch {
    return {};
  }
}

/**
 * Remembers `label` for `room` (or forgets it, given none), keeping labels
 * only of the remembered `rooms`; returns the labels.
 */
export function recordLabel(
  storage: StorageLike | null,
  room: string,
  label: string | undefined,
  rooms: readonly string[],
): Record<string, string> {
  const labels = readLabels(storage);
  if (label) labels[room] = label.slice(0, MAX_LABEL);
  else delete labels[room];
  const kept = Object.fromEntries(
    Object.entries(labels).filter(([r]) => rooms.includes(r)),
  );
  try {
    storage?.setItem(LABELS_KEY, JSON.stringify(kept));
  } catch {
    // Quota or privacy mode: the labels still hold for this page.
  }
  return kept;
}
