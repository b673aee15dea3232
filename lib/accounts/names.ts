/**
 * When two display names are the same name: claimed names are unique after
 * this folding, so "Dave", "DAVE" and "dave" (and "Straße" and "STRASSE")
 * cannot belong to two accounts.
 *
 * @module
 */

/**
 * The folded form of a display name: NFKC (compatibility forms such as
 * fullwidth "ｄａｖｅ" or the ligature "ﬁ" become plain letters), then case
 * folded. JavaScript has no full case folding; lower → upper → lower covers
 * what simple lowering misses (ß → SS → ss, final sigma), and NFKC again joins
 * what the round trip took apart. Confusables across scripts (Latin "a"
 * against Cyrillic "а") are not folded: the npm library that does it
 * (`confusables`) also strips accents and does not follow UTS #39's
 * skeletons, so it was not taken (see the note of issue 13).
 */
export function foldName(name: string): string {
  return name.normalize("NFKC").toLowerCase().toUpperCase().toLowerCase()
    .normalize("NFKC");
}
