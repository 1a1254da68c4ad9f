// The checksums a hub file is verified by: the sha256 of an LFS file, the git blob id of a file kept in git.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export type DigestKind = 'sha256' | 'git-sha1';

export interface Digest {
  kind: DigestKind;
  hex: string;
}

/** The digest a hex string is, by its length: 64 digits a sha256, 40 a git blob id; anything else none. */
export function digestOfHex(hex: string): Digest | undefined {
  if (/^[0-9a-f]{64}$/.test(hex)) return { kind: 'sha256', hex };
  if (/^[0-9a-f]{40}$/.test(hex)) return { kind: 'git-sha1', hex };
  return undefined;
}

/** sha256 of the bytes, or git's blob id: sha1 over "blob <size>\0" and the bytes. */
export async function digestOf(path: string, kind: DigestKind): Promise<string> {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') hash.update(`blob ${(await stat(path)).size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
