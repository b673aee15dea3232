/**
 * Setting a new password on an account that has one asks for the current
 * one: a session left open on a shared computer must not be enough to take
 * the account over. Wrong answers count as failed sign-ins.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Accounts } from "./accounts.ts";
import type { LoginThrottle } from "./login_throttle.ts";

/**
 * Throws `forbidden` unless `user` has no password yet or `current` is it
 * (`rate_limited` after too many failures of the name or address).
 */
export async function requireCurrentPassword(
  accounts: Accounts,
  throttle: LoginThrottle,
  user: User,
  current: unknown,
  address: string,
): Promise<void> {
  const account = await accounts.account(user.id);
  if (!account?.password) return;
  await throttle.check(account.name, address);
  const same = typeof current === "string"
    ? await accounts.passwordLogin(account.name, current)
    : null;
  if (same?.id !== user.id) {
    await throttle.failed(account.name, address);
    throw new ProtocolError("forbidden", "Your current password is not right.");
  }
}
