import { equal, throws } from "node:assert/strict";
import { OutgoingEvent, OutgoingRoomEvent } from "../rooms/outgoing.ts";
import { formatEvent, roomEvent, storedEvent } from "./sse_format.ts";
import { chatMessage } from "./test_support.ts";

Deno.test("SSE format: one event, data on one line", () => {
  equal(formatEvent("typing", "{}"), "event: typing\ndata: {}\n\n");
  equal(formatEvent("message", "{}", 4), "id: 4\nevent: message\ndata: {}\n\n");
  throws(() => formatEvent("x", "a\nb"));
});

Deno.test("SSE format: encoded once per broadcast, shared by every stream", () => {
  const message = chatMessage(3);
  message.text = "two\nlines \u2028 and \r";
  const outgoing = new OutgoingRoomEvent(message);
  const bytes = storedEvent(outgoing);
  equal(storedEvent(outgoing), bytes, "the same bytes");
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

Deno.test("SSE format: updates are named after their type, with id: <seq>", () => {
  const user = { id: "u", name: "n" };
  const edit = new OutgoingRoomEvent({
    room: "r",
    seq: 7,
    id: "e",
    user,
    ts: 1,
    type: "edit",
    target: 3,
    text: "fixed",
  });
  const text = new TextDecoder().decode(storedEvent(edit));
  equal(text.split("\n")[0], "id: 7");
  equal(text.split("\n")[1], "event: edit");
  equal(JSON.parse(text.split("\n")[2].slice(6)).target, 3);
  equal(
    edit.frame,
    edit.data,
    "an update's frame is its object (it has a type)",
  );
});
