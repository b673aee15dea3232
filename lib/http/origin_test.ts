import assert, { equal, throws } from "node:assert/strict";
import { ProtocolError } from "../protocol/errors.ts";
import { loadConfig } from "../server/config.ts";
import { checkOrigin, originAllowed } from "./origin.ts";

const plain = loadConfig(() => undefined);
const withExtra = loadConfig((name) =>
  name === "CHAT_ALLOWED_ORIGINS"
    ? "https://app.example, http://localhost:5173"
    : undefined
);

function allowed(
  url: string,
  headers: Record<string, string>,
  config = plain,
): boolean {
  const req = new Request(url, { headers });
  return originAllowed(req, new URL(req.url), config);
}

Deno.test("a request without Origin (a non-browser client) is allowed", () => {
  equal(allowed("http://localhost:8000/ws", {}), true);
  equal(allowed("http://localhost:8000/ws", { host: "other.example" }), true);
});

Deno.test("the server's own origin is allowed, from the Host header", () => {
  equal(
    allowed("http://localhost:8000/ws", {
      origin: "http://localhost:8000",
      host: "localhost:8000",
    }),
    true,
  );
  // Without a Host header the request URL's host counts.
  equal(
    allowed("http://localhost:8000/ws", { origin: "http://localhost:8000" }),
    true,
  );
  // Behind a proxy the Host header is what the browser used.
  equal(
    allowed("http://127.0.0.1:8000/ws", {
      origin: "http://chat.example",
      host: "chat.example",
    }),
    true,
  );
});

Deno.test("a foreign, look-alike or differently ported origin is refused", () => {
  const url = "http://localhost:8000/ws";
  const host = { host: "localhost:8000" };
  for (
    const origin of [
      "http://evil.example",
      "http://localhost:8001",
      "https://localhost:8000",
      "http://localhost:8000.evil.example",
      "http://localhost",
      "http://localhost:8000/",
      "HTTP://LOCALHOST:8000",
      "null",
      "",
    ]
  ) {
    equal(allowed(url, { ...host, origin }), false, origin);
  }
});

Deno.test("x-forwarded-proto sets the scheme of the server's own origin", () => {
  const headers = { host: "chat.example", "x-forwarded-proto": "https" };
  equal(
    allowed("http://10.0.0.5:8000/ws", {
      ...headers,
      origin: "https://chat.example",
    }),
    true,
  );
  equal(
    allowed("http://10.0.0.5:8000/ws", {
      ...headers,
      origin: "http://chat.example",
    }),
    false,
  );
});

Deno.test("CHAT_ALLOWED_ORIGINS adds exact origins only", () => {
  const url = "http://localhost:8000/ws";
  equal(allowed(url, { origin: "https://app.example" }, withExtra), true);
  equal(allowed(url, { origin: "http://localhost:5173" }, withExtra), true);
  equal(allowed(url, { origin: "http://app.example" }, withExtra), false);
  equal(allowed(url, { origin: "https://app.example:443" }, withExtra), false);
  equal(allowed(url, { origin: "https://sub.app.example" }, withExtra), false);
  equal(allowed(url, { origin: "https://app.example" }, plain), false);
  // The own origin still counts.
  equal(allowed(url, { origin: "http://localhost:8000" }, withExtra), true);
});

Deno.test("checkOrigin throws forbidden (403) naming the origin", () => {
  const req = new Request("http://localhost:8000/api/session", {
    method: "POST",
    headers: { origin: "http://evil.example" },
  });
  throws(() => checkOrigin(req, new URL(req.url), plain), (error: unknown) => {
    assert(error instanceof ProtocolError);
    equal(error.code, "forbidden");
    equal(error.status, 403);
    equal(error.message, 'Origin "http://evil.example" is not allowed');
    return true;
  });
  const ok = new Request("http://localhost:8000/api/session", {
    method: "POST",
  });
  equal(checkOrigin(ok, new URL(ok.url), plain), undefined);
});
