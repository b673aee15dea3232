import { deepEqual, throws } from "node:assert/strict";
import { loadConfig } from "../server/config.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { relyingParty } from "./passkeys_rp.ts";

const config = (vars: Record<string, string> = {}) =>
  loadConfig((name) => vars[name]);

function request(headers: Record<string, string>): [Request, URL] {
  const req = new Request("http://localhost:8000/api/login/passkey", {
    method: "POST",
    headers,
  });
  return [req, new URL(req.url)];
}

Deno.test("the relying party is the page's origin and its hostname", () => {
  const [req, url] = request({
    origin: "http://localhost:8000",
    host: "localhost:8000",
  });
  deepEqual(relyingParty(req, url, config()), {
    id: "localhost",
    name: "Comet Chat",
    origin: "http://localhost:8000",
  });
});

Deno.test("behind a proxy the origin is the one the browser saw", () => {
  const [req, url] = request({
    origin: "https://chat.example",
    host: "chat.example",
    "x-forwarded-proto": "https",
  });
  deepEqual(relyingParty(req, url, config()), {
    id: "chat.example",
    name: "Comet Chat",
    origin: "https://chat.example",
  });
});

Deno.test("a client without Origin expects the server's own origin", () => {
  const [req, url] = request({ host: "localhost:8000" });
  deepEqual(relyingParty(req, url, config()).origin, "http://localhost:8000");
});

Deno.test("an allowed other origin is the page's; CHAT_RP_ID wins for the id", () => {
  const [req, url] = request({
    origin: "https://app.chat.example",
    host: "api.chat.example",
  });
  deepEqual(
    relyingParty(
      req,
      url,
      config({
        CHAT_ALLOWED_ORIGINS: "https://app.chat.example",
        CHAT_RP_ID: "chat.example",
      }),
    ),
    {
      id: "chat.example",
      name: "Comet Chat",
      origin: "https://app.chat.example",
    },
  );
});

Deno.test("a foreign origin is forbidden", () => {
  const [req, url] = request({
    origin: "https://evil.example",
    host: "localhost:8000",
  });
  throws(
    () => relyingParty(req, url, config()),
    (e: unknown) => e instanceof ProtocolError && e.code === "forbidden",
  );
});
