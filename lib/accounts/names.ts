/**
 * When two display names are the same name: claimed names are unique after
 * this folding, so "Dave", "DAVE" and "dave" (and "Straße" and "STRASSE")
 * cannot belong to two accounts.
 *
 * @module
 */

/**
 * The folded form of a display name: NFC, then case folded. JavaScript has
 * no full case folding; lower → upper → lower covers what simple lowering
 * misses (ß → SS → ss, ﬁ → FI → fi, final sigma), and NFC again joins what
 * the round trip took apart. Confusable characters (Latin "a" against
 * Cyrillic "а") are not folded: no maintained npm library does it for
 * whole names (see the note of issue 13).
 */
export function foldName(name: string): string {
  return name.normalize("NFC").toLowerCase().toUpperCase().toLowerCase()
    .normalize("NFC");
}
