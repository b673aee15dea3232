/**
 * The connection banner: whether the room is live, and while it is not,
 * when the next attempt is (a countdown that ticks) with a "Reconnect now"
 * button. The live region announces the state, not every second of the
 * countdown.
 *
 * @module
 */
import type { JSX } from "preact";
import type { ConnectionStatus } from "../client/client.ts";
import type { LinkState } from "../client/link.ts";

/** Status as the banner shows it; `static` before the page's script runs. */
export type BannerStatus = ConnectionStatus | "static";

/** The announced text for a status (stable while a countdown ticks). */
export function bannerText(status: BannerStatus, link?: LinkState): string {
  switch (status) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return "Connected";
    case "reconnecting":
      return "Connection lost. Reconnecting…";
    case "offline":
      return "You are offline. Messages you write will be sent when you are back.";
    case "stopped":
      return link?.phase === "closed" && link.code !== undefined
        ? `Disconnected: ${link.reason}.`
        : "Disconnected.";
    case "static":
      return "";
  }
}

/** Whole seconds until the next attempt, while one is scheduled. */
export function secondsLeft(link: LinkState | undefined, now: number): number {
  if (link?.phase !== "waiting") return 0;
  return Math.max(0, Math.ceil((link.retryAt - now) / 1000));
}

/** How a fallback transport is named when connected over it. */
const TRANSPORT_NAMES: Record<string, string> = {
  sse: "server-sent events",
  longpoll: "long polling",
};

/** Props of {@linkcode ConnectionBanner}. */
export interface ConnectionBannerProps {
  status: BannerStatus;
  /** The client's link state (after hydration). */
  link?: LinkState;
  /** The clock the countdown counts against. */
  now?: number;
  /** The transport in use, named when it is a fallback. */
  transport?: string;
  /** "Reconnect now": offered whenever the room is not connected. */
  onReconnect?: () => void;
}

/**
 * The banner. It is always in the DOM so screen readers track its changes.
 * `data-status` is the one-word status, `data-transport` the transport.
 */
export function ConnectionBanner(props: ConnectionBannerProps): JSX.Element {
  const { status, link } = props;
  const fallback = status === "connected" && props.transport
    ? TRANSPORT_NAMES[props.transport]
    : undefined;
  const seconds = secondsLeft(link, props.now ?? 0);
  const down = status === "reconnecting" || status === "offline" ||
    status === "stopped";
  return (
    <div
      class="banner"
      data-status={status}
      data-transport={props.transport}
    >
      <span role="status">
        {bannerText(status, link)}
        {fallback && ` (via ${fallback})`}
      </span>
      {seconds > 0 && (
        <span class="countdown" aria-hidden="true">
          {` Next try in ${seconds} s.`}
        </span>
      )}
      {down && props.onReconnect && link?.phase !== "connecting" && (
        <button
          type="button"
          class="link-button reconnect"
          onClick={props.onReconnect}
        >
          Reconnect now
        </button>
      )}
    </div>
  );
}
