import { byteLevelAlphabet } from './bpe.js';

/**
 * A synchronous detokenizer for byte-level BPE vocabularies that does what Hugging Face's ByteLevel decoder does:
 * each token's characters map back to the bytes they stand for (a token with a character outside the byte alphabet,
 * such as a special token with non-ASCII text, contributes its own UTF-8 bytes instead), and the bytes are read as
 * UTF-8 with invalid sequences replaced by U+FFFD. No clean-up of spaces before punctuation: transformers applies
 * that only when a tokenizer asks for it, and llama.cpp always does for GPT-2-style vocabularies.
 *
 * `tokens[id]` is the vocabulary's string for each id.
 */
export function byteLevelDecoder(tokens: readonly string[]): (ids: readonly number[]) => string {
  const byteOf = new Map<string, number>();
  byteLevelAlphabet().forEach((symbol, byte) => byteOf.set(symbol, byte));
  const bytesOf = tokens.map((token) => {
    const bytes: number[] = [];
    for (const ch of token) {
      const b = byteOf.get(ch);
      if (b === undefined) return Buffer.from(token, 'utf8');
      bytes.push(b);
    }
    return Buffer.from(bytes);
  });
  const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return (ids) => {
    const parts = ids.map((id) => {
      const bytes = bytesOf[id];
      if (bytes === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (${tokens.length})`);
      return bytes;
    });
    return utf8.decode(Buffer.concat(parts));
  };
}
