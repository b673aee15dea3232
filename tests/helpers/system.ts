/**
 * Programs from the operating system that tests need (`redis-server`,
 * `nginx`, ...): found once, or a one-line failure that says what to install,
 * instead of a spawn error deep inside a test.
 *
 * @module
 */

/**
 * Directories searched after `PATH`: Debian puts daemons such as `nginx` in
 * `/usr/sbin`, which a non-root user's `PATH` often lacks.
 */
const SYSTEM_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
];

const found = new Map<string, string>();

/**
 * The absolute path of the executable `name`, looked up in `PATH` and the
 * system directories; throws `"<name> is missing: apt-get install
 * <debianPackage>"` when there is none.
 *
 * @example
 * ```ts
 * import { requireCommand } from "./system.ts";
 * const nginx = requireCommand("nginx", "nginx");
 * ```
 */
export function requireCommand(name: string, debianPackage: string): string {
  const known = found.get(name);
  if (known) return known;
  const path = Deno.env.get("PATH") ?? "";
  const dirs = [...path.split(":").filter((dir) => dir !== ""), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    const file = `${dir}/${name}`;
    if (isExecutable(file)) {
      found.set(name, file);
      return file;
    }
  }
  throw new Error(`${name} is missing: apt-get install ${debianPackage}`);
}

function isExecutable(file: string): boolean {
  try {
    const info = Deno.statSync(file);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}
