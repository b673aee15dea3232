/**
 * The connection banner: a polite live region that says whether the room is
 * live, reconnecting or offline.
 *
 * @module
 */
import type { JSX } from "preact";
import type { ConnectionStatus } from "../client/client.ts";

/** Status as the banner shows it; `static` before the page's script runs. */
export type BannerStatus = ConnectionStatus | "static";

/** The banner's text for a status. */
export function bannerText(status: BannerStatus, retryInMs?: number): string {
  switch (status) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return "Connected";
    case "reconnecting":
      return retryInMs !== undefined && retryInMs >= 1_500
        ? `Connection lost. Reconnecting in ${Math.round(retryInMs / 1000)} s…`
        : "Connection lost. Reconnecting…";
    case "offline":
      return "You are offline. Messages you write will be sent when you are back.";
    case "stopped":
      return "Disconnected.";
    case "static":
      return "";
  }
}

/** How a fallback transport is named when connected over it. */
const TRANSPORT_NAMES: Record<string, string> = {
  sse: "server-sent events",
  longpoll: "long polling",
};

/**
 * The banner. It is always in the DOM so screen readers track its changes.
 * `transport` (the client's `status.transport`) is shown in
 * `data-transport`, and named when it is a fallback.
 */
export function ConnectionBanner(
  props: { status: BannerStatus; retryInMs?: number; transport?: string },
): JSX.Element {
  const fallback = props.status === "connected" && props.transport
    ? TRANSPORT_NAMES[props.transport]
    : undefined;
  return (
    <div
      class="banner"
      role="status"
      data-status={props.status}
      data-transport={props.transport}
    >
      {bannerText(props.status, props.retryInMs)}
      {fallback && ` (via ${fallback})`}
    </div>
  );
}
