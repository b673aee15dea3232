/**
 * Signing in with a name and a password, throttled: the API and the sign-in
 * page both go through here, so they answer alike.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Accounts } from "./accounts.ts";
import type { LoginThrottle } from "./login_throttle.ts";

/** The one answer for an unknown name and a wrong password. */
export const WRONG_NAME_OR_PASSWORD = "Wrong name or password.";

/**
 * The account `name` and `password` sign in to; `unauthenticated` (the same
 * for an unknown name and a wrong password) or `rate_limited` otherwise.
 * Failures count against the name and `address`.
 */
export async function signInWithPassword(
  accounts: Accounts,
  throttle: LoginThrottle,
  name: string,
  password: string,
  address: string,
): Promise<User> {
  await throttle.check(name, address);
  const user = await accounts.passwordLogin(name, password);
  if (!user) {
    await throttle.failed(name, address);
    throw new ProtocolError("unauthenticated", WRONG_NAME_OR_PASSWORD);
  }
  return user;
}
