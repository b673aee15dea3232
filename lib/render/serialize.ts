/**
 * Serialisation of island props into HTML.
 *
 * Props are embedded as JSON inside `<script type="application/json">`. The
 * HTML parser ends a script element at the first `</script`, and `<!--` can
 * switch it into an escaped state, so every `<`, `>` and `&` becomes a JSON
 * unicode escape. U+2028 and U+2029 are escaped too, so the text is also safe
 * if ever evaluated as JavaScript. `JSON.parse` restores the exact value.
 *
 * @module
 */

const UNSAFE = /[<>&\u2028\u2029]/g;
const ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Thrown when island props are not plain JSON data. */
export class PropsError extends TypeError {
  constructor(path: string, what: string) {
    super(`Island props must be JSON data: ${what} at ${path || "(root)"}`);
    this.name = "PropsError";
  }
}

function describe(value: unknown): string | null {
  switch (typeof value) {
    case "function":
    case "symbol":
    case "bigint":
      return `a ${typeof value}`;
    case "number":
      return Number.isFinite(value) ? null : `the number ${value}`;
    case "object": {
      if (value === null || Array.isArray(value)) return null;
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) return null;
      return `an instance of ${proto?.constructor?.name ?? "a class"}`;
    }
    default:
      return null;
  }
}

/**
 * Returns `value` as JSON that is safe to place verbatim between
 * `<script type="application/json">` and `</script>`.
 *
 * @throws {PropsError} when `value` holds something that would not survive a
 * JSON round trip unchanged (functions, class instances such as `Date` or
 * `Map`, non-finite numbers, `undefined` in arrays).
 *
 * @example
 * ```ts
 * import { serializeProps } from "./serialize.ts";
 * console.assert(serializeProps({ t: "</script>" }) === '{"t":"\\u003c/script\\u003e"}');
 * ```
 */
export function serializeProps(value: unknown): string {
  const paths = new Map<object, string>();
  const json = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, _converted: unknown) {
      const raw = this[key];
      const parent = paths.get(this) ?? "";
      const path = key === "" ? "" : `${parent}.${key}`;
      if (raw === undefined && Array.isArray(this)) {
        throw new PropsError(path, "undefined in an array");
      }
      const problem = describe(raw);
      if (problem) throw new PropsError(path, problem);
      if (typeof raw === "object" && raw !== null) paths.set(raw, path);
      return raw;
    },
  );
  if (json === undefined) throw new PropsError("", "undefined");
  return json.replace(UNSAFE, (c) => ESCAPES[c]);
}

/** Parses props written by {@linkcode serializeProps}. */
export function parseProps(text: string): unknown {
  return JSON.parse(text);
}
