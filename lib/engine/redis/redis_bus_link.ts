/**
 * The node bus over Redis pub/sub: what a `BroadcastChannel` is between the
 * isolates of one process, one channel is between every node of the chat.
 * Redis hands a publisher its own messages too, so each carries its sender
 * and a node drops its own.
 *
 * @module
 */
import type { BusLink } from "../../bus/bus.ts";
import type { BusMessage } from "../../bus/messages.ts";
import type { RedisConnection } from "./connection.ts";
import { BUS_CHANNEL } from "./keys.ts";

/** A bus message on the wire: its sender and the message. */
interface Envelope {
  from: string;
  m: BusMessage;
}

/** Connects `node` to the bus channel; resolves once subscribed. */
export async function redisBusLink(
  redis: RedisConnection,
  node: string,
  onError: (error: unknown) => void,
): Promise<BusLink> {
  let closed = false;
  const link: BusLink = {
    onmessage: null,
    postMessage(message) {
      if (closed || !redis.ready) return; // the bus may drop: nobody waits
      const envelope: Envelope = { from: node, m: message };
      redis.publish(BUS_CHANNEL, JSON.stringify(envelope)).catch(onError);
    },
    close() {
      closed = true;
    },
  };
  await redis.subscribe(BUS_CHANNEL, (text) => {
    if (closed) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text);
    } catch (error) {
      onError(error);
      return;
    }
    if (envelope?.from === node) return;
    link.onmessage?.(new MessageEvent("message", { data: envelope?.m }));
  });
  return link;
}
