/**
 * The room's notification settings, inside the header's Notifications menu
 * (`notify_menu.tsx`, which loads this module when first opened): the
 * room's level (all messages, mentions and direct messages, nothing),
 * saved as soon as one is picked (`PUT /api/rooms/:room/notifications`),
 * and "Enable notifications", which asks the browser for permission (only
 * on that click, never on load) and subscribes to Web Push.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { NotifyLevel } from "../protocol/types.ts";
import type { PushSetup } from "../client/push_setup.ts";
import { notificationsSupported, saveLevel } from "../client/notifications.ts";
import { LevelChoices } from "./level_choices.tsx";

/** Where the browser's notifications stand, as the panel shows it. */
export type PushView =
  /** Not known yet (just opened). */
  | "unknown"
  | "unsupported"
  /** Not asked yet, or asked and dismissed: the button shows. */
  | "off"
  | "asking"
  | "on"
  | "denied";

/** Props of {@linkcode NotifyPanel}. */
export interface NotifyPanelProps {
  room: string;
  level: NotifyLevel;
  /** The level changed (picked, or put back after a failure to save it). */
  onLevel: (level: NotifyLevel) => void;
}

const PUSH_TEXT: Partial<Record<PushView, string>> = {
  on: "Notifications are on in this browser.",
  denied:
    "This browser blocks notifications from this site: allow them in its site settings.",
  unsupported: "This browser cannot show notifications.",
};

/** What the browser allows now, without asking anything. */
async function currentPush(): Promise<PushView> {
  if (!notificationsSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted") return "off";
  const registration = await navigator.serviceWorker?.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  // Allowed but not subscribed (a new service worker, or push failed):
  // the button subscribes again.
  return subscription ? "on" : "off";
}

/** The notification settings of one room. */
export function NotifyPanel(props: NotifyPanelProps): JSX.Element {
  const { room, level, onLevel } = props;
  const [push, setPush] = useState<PushView>("unknown");
  const [note, setNote] = useState<string>();

  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    currentPush().then(setPush, () => setPush("off"));
  }, []);

  // Like a menu: a press outside it closes it, and Escape (back to its
  // toggle). The panel lives in the header's `<details>`.
  useEffect(() => {
    const menu = panel.current?.closest("details");
    if (!menu) return;
    const outside = (e: PointerEvent) => {
      if (!menu.contains(e.target as Node)) menu.open = false;
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || !menu.open) return;
      menu.open = false;
      menu.querySelector("summary")?.focus();
      e.stopPropagation();
    };
    document.addEventListener("pointerdown", outside);
    menu.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", outside);
      menu.removeEventListener("keydown", escape);
    };
  }, []);

  const pick = async (next: NotifyLevel) => {
    if (next === level) return;
    const before = level;
    onLevel(next);
    setNote(undefined);
    try {
      await saveLevel(room, next);
    } catch (err) {
      onLevel(before);
      setNote(`Not saved: ${err instanceof Error ? err.message : err}`);
    }
  };

  const enable = async () => {
    setPush("asking");
    setNote(undefined);
    let result: PushSetup;
    try {
      const { enablePush } = await import("../client/push_setup.ts");
      result = await enablePush();
    } catch (err) {
      // Not loaded (offline), or the browser refused to ask.
      setPush("off");
      setNote(`Not enabled: ${err instanceof Error ? err.message : err}`);
      return;
    }
    if (result.state === "page-only") {
      setPush("on");
      setNote(
        `Notifications show while this room is open in a tab; they cannot reach closed tabs (${result.reason}).`,
      );
    } else {
      setPush(result.state === "default" ? "off" : result.state);
    }
  };

  return (
    <div class="notify-panel" ref={panel}>
      <LevelChoices
        name="notify-level"
        level={level}
        onPick={(value) => void pick(value)}
      />
      {(push === "off" || push === "asking") && (
        <button
          type="button"
          class="notify-enable"
          disabled={push === "asking"}
          onClick={() => void enable()}
        >
          Enable notifications
        </button>
      )}
      {PUSH_TEXT[push] && <p class="hint">{PUSH_TEXT[push]}</p>}
      <p class="hint" role="status">{note}</p>
    </div>
  );
}
