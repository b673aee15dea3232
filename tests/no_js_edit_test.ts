/**
 * Editing and deleting without JavaScript, over a real server: plain form
 * posts to `/rooms/:room/messages/:seq` (post, redirect 303, get), the room
 * page showing the folded state, and someone else's message refused.
 */
import assert, { equal } from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { newSession } from "./helpers/http.ts";

const ROOM = "nojs-edit";

/** A form post as a browser sends it, with the session cookie. */
function formPost(
  url: string,
  token: string,
  fields: Record<string, string>,
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `chat_session=${token}`,
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

async function page(url: string, token: string): Promise<string> {
  const res = await fetch(url, {
    headers: { cookie: `chat_session=${token}` },
  });
  return await res.text();
}

Deno.test({
  name: "no JavaScript: edit and delete your own messages with plain forms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ isolates: 1 });
    try {
      const alice = await newSession(server.origin, "alice");
      const bob = await newSession(server.origin, "bob");
      const room = `${server.origin}/rooms/${ROOM}`;
      const message = `${room}/messages/1`;

      await t.step(
        "a posted message gets an edit page with both forms",
        async () => {
          const posted = await formPost(room, alice, {
            text: "helo",
            id: "f1",
          });
          equal(posted.status, 303);
          // The room page links each of your messages to it (lib/ui).
          const link = `href="/rooms/${ROOM}/messages/1"`;
          assert((await page(room, alice)).includes(link));
          assert(!(await page(room, bob)).includes(link), "not someone else's");
          const html = await page(message, alice);
          assert(html.includes('name="action" value="edit"'));
          assert(html.includes('name="action" value="delete"'));
          assert(html.includes("helo"));
        },
      );

      await t.step(
        "someone else sees no forms, and a post of theirs is 403 and changes nothing",
        async () => {
          const html = await page(message, bob);
          assert(!html.includes('value="edit"'));
          assert(html.includes("Only its author"));
          const res = await formPost(message, bob, {
            action: "edit",
            id: "b1",
            text: "hijacked",
          });
          equal(res.status, 403);
          await res.body?.cancel();
          assert(!(await page(room, alice)).includes("hijacked"));
        },
      );

      await t.step(
        "edit: 303 back to the room, which shows the new text as edited",
        async () => {
          const res = await formPost(message, alice, {
            action: "edit",
            id: "e1",
            text: "hello, edited",
          });
          equal(res.status, 303);
          equal(res.headers.get("location"), `/rooms/${ROOM}#m-1`);
          const html = await page(room, alice);
          assert(html.includes("hello, edited"));
          assert(!html.includes("helo<"), "the old text is gone");
          assert(html.includes("edited"));
        },
      );

      await t.step(
        "an empty edit is refused with the text rules, shown on the form",
        async () => {
          const res = await formPost(message, alice, {
            action: "edit",
            id: "e2",
            text: "   ",
          });
          equal(res.status, 400);
          assert((await res.text()).includes("Text must be"));
        },
      );

      await t.step(
        "delete: 303, then the room shows the deleted placeholder",
        async () => {
          const res = await formPost(message, alice, {
            action: "delete",
            id: "d1",
          });
          equal(res.status, 303);
          const html = await page(room, alice);
          assert(!html.includes("hello, edited"));
          assert(html.includes("This message was deleted."));
          assert(!html.includes(`/rooms/${ROOM}/messages/1"`), "no link to it");
          const after = await page(message, alice);
          assert(after.includes("This message was deleted."));
          assert(!after.includes('value="edit"'));
        },
      );

      await t.step("a missing message is a 404 page", async () => {
        const res = await fetch(`${room}/messages/99`);
        equal(res.status, 404);
        await res.body?.cancel();
      });
    } finally {
      await server.stop();
    }
  },
});
