/**
 * The WebSocket transport: `GET /ws`, text frames of JSON.
 *
 * @module
 */
import type { ClientFrame } from "../protocol/types.ts";
import { parseServerFrame } from "./frames.ts";
import type {
  Transport,
  TransportFactory,
  TransportHandlers,
} from "./transport.ts";

/** The `/ws` URL of the page's own origin (`ws:` or `wss:`). */
export function defaultWebSocketUrl(
  loc: { protocol: string; host: string } = location,
): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/ws`;
}

/** A transport factory for WebSocket connections to `url`. */
export function webSocketTransport(
  url: string = defaultWebSocketUrl(),
): TransportFactory {
  return (handlers: TransportHandlers): Transport => {
    let opened = false;
    let closed = false;
    const socket = new WebSocket(url);
    const finish = (code: number, reason: string) => {
      if (closed) return;
      closed = true;
      handlers.onClose({ code, reason, wasOpen: opened });
    };
    socket.onopen = () => {
      opened = true;
      handlers.onOpen();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      const events = parseServerFrame(event.data);
      if (events.length > 0) handlers.onEvents(events);
    };
    socket.onclose = (event: CloseEvent) => finish(event.code, event.reason);
    // An error is always followed by close; nothing to do until then.
    socket.onerror = () => {};
    return {
      kind: "websocket",
      send(frame: ClientFrame): boolean {
        if (socket.readyState !== WebSocket.OPEN) return false;
        socket.send(JSON.stringify(frame));
        return true;
      },
      close(code = 1000, reason = ""): void {
        try {
          socket.close(code, reason);
        } catch {
          socket.close();
        }
        // Report at once: a dead network can delay the close event for long.
        finish(code, reason);
      },
    };
  };
}
