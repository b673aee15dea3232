import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { RoomSidebar, SIDEBAR_ID, SidebarToggle } from "./room_sidebar.tsx";

Deno.test("RoomSidebar: visited rooms by name, the current one marked", () => {
  const html = renderToString(
    <RoomSidebar room="general" rooms={["random", "general", "dev"]} />,
  );
  assert.match(
    html,
    /^<nav class="sidebar" id="room-sidebar" aria-label="Rooms">/,
  );
  assert.match(html, /<a href="\/" class="sidebar-home">All rooms<\/a>/);
  const links = [
    ...html.matchAll(/<a href="\/rooms\/([^"]+)"( aria-current="page")?/g),
  ]
    .map((m) => [m[1], m[2] !== undefined]);
  assert.deepEqual(links, [["dev", false], ["general", true], [
    "random",
    false,
  ]]);
});

Deno.test("RoomSidebar: the current room even with nothing remembered", () => {
  const html = renderToString(<RoomSidebar room="solo" rooms={[]} open />);
  assert.match(html, /class="sidebar sidebar--open"/);
  assert.match(html, /href="\/rooms\/solo" aria-current="page"/);
});

Deno.test("SidebarToggle: a named button that says whether it is open", () => {
  const html = renderToString(
    <SidebarToggle open={false} onToggle={() => {}} />,
  );
  assert.match(html, new RegExp(`aria-controls="${SIDEBAR_ID}"`));
  assert.match(html, /aria-expanded="false" aria-label="Rooms"/);
});

Deno.test("RoomSidebar: a direct message shows the other person, not its room name", () => {
  const html = renderToString(
    <RoomSidebar
      room="general"
      rooms={["dm-0123"]}
      labels={{ "dm-0123": "Maya" }}
    />,
  );
  assert.match(
    html,
    /href="\/rooms\/dm-0123"\s*><span aria-hidden="true" class="sidebar-hash">@<\/span>Maya<span class="sr-only">\(direct message\)<\/span>/,
  );
  assert.ok(!html.includes(">dm-0123<"));
});

Deno.test("RoomSidebar: unread and mention badges on the other rooms, named for screen readers", () => {
  const html = renderToString(
    <RoomSidebar
      room="general"
      rooms={["random", "dev"]}
      counts={{
        random: { unread: 3, mentions: 1 },
        dev: { unread: 0, mentions: 0 },
        general: { unread: 5, mentions: 0 },
      }}
    />,
  );
  assert.match(
    html,
    /href="\/rooms\/random"\s*>.*random<span class="unread"><span class="sr-only">\(3 unread, 1 mention\)<\/span>/,
  );
  assert.equal(
    html.match(/class="unread"/g)?.length,
    1,
    "dev has none, nor the open room",
  );
});
