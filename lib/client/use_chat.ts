/**
 * The one hook through which an island reads the chat client: it creates
 * the client once hydrated, starts it, re-renders on every client event
 * (Preact batches the renders of one task into one), and stops it when the
 * island goes away. The island then reads `client.view(room)` and
 * `client.link`, never a copy of them in its own state.
 *
 * Plain hooks rather than `@preact/signals` (dropped from `deno.json`): one
 * subscription per island needs no fine-grained reactivity, and signals
 * would add about 3.4 KB gzipped to the room page's 30 KB budget (measured:
 * a Preact bundle with and without `signal`/`computed`).
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatClient, ClientEvent } from "./client.ts";

/**
 * The running client (`null` on the server and before hydration), `create`d
 * once. `onEvent` sees each event before the render it causes (for what the
 * view does not hold: "new messages" counts, errors to show).
 */
export function useChat(
  create: () => ChatClient,
  onEvent?: (event: ClientEvent, client: ChatClient) => void,
): ChatClient | null {
  const [client, setClient] = useState<ChatClient | null>(null);
  const [, setVersion] = useState(0);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  useEffect(() => {
    const made = create();
    const off = made.on((event) => {
      onEventRef.current?.(event, made);
      setVersion((v) => v + 1);
    });
    setClient(made);
    made.start();
    return () => {
      off();
      made.stop();
    };
  }, []);
  return client;
}
