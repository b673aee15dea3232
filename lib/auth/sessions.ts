/**
 * Sessions: who a request or socket speaks for. Identity travels as a signed
 * token in the `chat_session` cookie, an `Authorization: Bearer` header, a
 * `?token=` parameter (EventSource cannot set headers) or the WS `hello`.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { newUserId, type TokenSigner } from "./token.ts";

/** The name of the session cookie. */
export const SESSION_COOKIE = "chat_session";

const ONE_YEAR_S = 365 * 24 * 3600;

/** An identity and the token that proves it. */
export interface Session {
  user: User;
  token: string;
}

/** Issues, renames and recognises sessions. */
export class Sessions {
  readonly #signer: TokenSigner;

  constructor(signer: TokenSigner) {
    this.#signer = signer;
  }

  /** The user a token speaks for, or `null`. */
  verify(token: string): Promise<User | null> {
    return this.#signer.verify(token);
  }

  /**
   * Creates a user named `name`, or renames `existing` (same id) when given.
   * `name` must already be validated.
   */
  async issue(name: string, existing: User | null): Promise<Session> {
    const user = { id: existing?.id ?? newUserId(), name };
    return { user, token: await this.#signer.sign(user) };
  }

  /** The token a request carries: bearer header, then `?token=`, then cookie. */
  tokenOf(req: Request, url: URL): string | null {
    const auth = req.headers.get("authorization");
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    const param = url.searchParams.get("token");
    if (param) return param;
    return readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  }

  /** The user a request speaks for, or `null` when it carries no valid token. */
  async userFromRequest(req: Request, url: URL): Promise<User | null> {
    const token = this.tokenOf(req, url);
    return token ? await this.verify(token) : null;
  }

  /** A `Set-Cookie` value carrying `token`. */
  cookie(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR_S}` +
      (secure ? "; Secure" : "");
  }
}

/** The value of cookie `name` in a `Cookie` header, or `null`. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return null;
}
