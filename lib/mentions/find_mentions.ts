/**
 * `@name` mentions: which room members a message's text names. A mention is
 * `@` (at the start or after a character that is not a letter or digit, so
 * `a@b.c` is no mention) followed by a member's display name, compared
 * case-insensitively, and then the end or a character that is not a letter
 * or digit. Names may hold spaces (`@Ada Lovelace`); the longest name that
 * matches wins, so `@Ada Lovelace` is not also `@Ada`. Several members with
 * the same name (guests may share one) are all mentioned.
 *
 * @module
 */
import type { User } from "../protocol/types.ts";

const WORD = /[\p{L}\p{N}]/u;

/** Members' names prepared for matching: lower-cased, longest first. */
export class MentionIndex {
  /** Lower-cased name → ids, longest names first. */
  readonly #names: Array<[name: string, ids: string[]]>;

  constructor(members: Iterable<Pick<User, "id" | "name">>) {
    const byName = new Map<string, string[]>();
    for (const { id, name } of members) {
      const key = name.toLowerCase();
      const ids = byName.get(key);
      if (!ids) byName.set(key, [id]);
      else if (!ids.includes(id)) ids.push(id);
    }
    this.#names = [...byName].sort((a, b) => b[0].length - a[0].length);
  }

  /** The ids `text` mentions, in order of first mention, each once. */
  find(text: string): string[] {
    const found = new Set<string>();
    let at = text.indexOf("@");
    while (at !== -1) {
      if (at === 0 || !WORD.test(text[at - 1])) {
        const ids = this.#match(text, at + 1);
        if (ids) { for (const id of ids) found.add(id); }
      }
      at = text.indexOf("@", at + 1);
    }
    return [...found];
  }

  /** The ids of the longest name at `start` followed by a boundary. */
  #match(text: string, start: number): string[] | undefined {
    // Lower-case only as much text as the longest name could use.
    const longest = this.#names[0]?.[0].length ?? 0;
    const window = text.slice(start, start + longest + 1).toLowerCase();
    for (const [name, ids] of this.#names) {
      if (!window.startsWith(name)) continue;
      const next = window[name.length];
      if (next === undefined || !WORD.test(next)) return ids;
    }
    return undefined;
  }
}
