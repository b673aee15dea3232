import { equal, throws } from "node:assert/strict";
import { OutgoingEvent, OutgoingMessage } from "../rooms/outgoing.ts";
import { formatEvent, messageEvent, roomEvent } from "./sse_format.ts";
import { chatMessage } from "./test_support.ts";

Deno.test("SSE format: one event, data on one line", () => {
  equal(formatEvent("typing", "{}"), "event: typing\ndata: {}\n\n");
  equal(formatEvent("message", "{}", 4), "id: 4\nevent: message\ndata: {}\n\n");
  throws(() => formatEvent("x", "a\nb"));
});

Deno.test("SSE format: encoded once per broadcast, shared by every stream", () => {
  const message = chatMessage(3);
  message.text = "two\nlines \u2028 and \r";
  const outgoing = new OutgoingMessage(message);
  const bytes = messageEvent(outgoing);
  equal(messageEvent(outgoing), bytes, "the same bytes");
  const text = new TextDecoder().decode(bytes);
  equal(text.split("\n").length, 5, "id, event, data, blank: newlines escaped");
  equal(JSON.parse(text.split("\n")[2].slice(6)).text, message.text);
  const event = new OutgoingEvent({
    type: "typing",
    room: "r",
    user: { id: "u", name: "n" },
  });
  equal(roomEvent(event), roomEvent(event));
});
