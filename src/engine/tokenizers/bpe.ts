/*
 * The two pieces of byte-level BPE that building a tokenizer needs outside the tokenizer library: the byte -> symbol
 * alphabet of byte-level pre-tokenization (GPT-2's bytes_to_unicode) and the merge loop of a BPE model. Encoding
 * text is the library's job; these exist so a vocabulary and merge list can be designed and checked before a
 * tokenizer.json is written.
 */

/**
 * The byte-level alphabet: byte b -> a printable character. Printable Latin-1 bytes map to themselves; the other 68
 * bytes (controls, space, soft hyphen, ...) map to U+0100 onwards in byte order, so every symbol is visible and no
 * symbol is whitespace (a space becomes U+0120 'Ġ').
 */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const symbols: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) symbols.push(String.fromCharCode(printable(b) ? b : next++));
  return symbols;
}

/** A merge list as ranks: "left right" -> position in the list (lower merges first). */
export type MergeRanks = Map<string, number>;

/** The key of a merge in {@link MergeRanks}; byte-level symbols never contain a space, so the join is unambiguous. */
export function mergeKey(left: string, right: string): string {
  return `${left} ${right}`;
}

/**
 * The BPE merge loop on one pre-token: repeatedly merge the adjacent pair of lowest rank, the leftmost occurrence
 * first when a pair occurs more than once, until no adjacent pair has a merge. This is the order in which the Hugging
 * Face BPE model applies merges (dropout off).
 */
export function applyMerges(symbols: readonly string[], ranks: MergeRanks): string[] {
  const parts = [...symbols];
  while (parts.length > 1) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const rank = ranks.get(mergeKey(parts[i]!, parts[i + 1]!));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    parts.splice(best, 2, parts[best]! + parts[best + 1]!);
  }
  return parts;
}
