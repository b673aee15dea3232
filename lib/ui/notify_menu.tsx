/**
 * The room header's Notifications menu: a disclosure whose panel
 * (`notify_panel.tsx`: the room's level, "Enable notifications") is loaded
 * when it is first opened, since the room page's script is at its budget.
 * Live only: without JavaScript there is no menu (the level keeps what was
 * set elsewhere).
 *
 * @module
 */
import type { ComponentType, JSX } from "preact";
import { useState } from "preact/hooks";
import type { NotifyPanelProps } from "./notify_panel.tsx";

/** The menu; its props are the panel's. */
export function NotifyMenu(props: NotifyPanelProps): JSX.Element {
  const [Panel, setPanel] = useState<ComponentType<NotifyPanelProps>>();
  return (
    <details
      class="notify-menu"
      onToggle={(e) => {
        if (Panel || !(e.currentTarget as HTMLDetailsElement).open) return;
        import("./notify_panel.tsx").then(
          (m) => setPanel(() => m.NotifyPanel),
          () => {}, // offline: closing and opening again tries again
        );
      }}
    >
      <summary class="notify-toggle" title="Notifications">
        <span aria-hidden="true">🔔</span>
        <span class="notify-label">Notifications</span>
      </summary>
      {Panel ? <Panel {...props} /> : <p class="hint">Loading…</p>}
    </details>
  );
}
