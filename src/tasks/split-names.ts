// Telling a file's source split from its name, for the layouts people have: the hub's parquet files
// ("validation-00000-of-00001.parquet", "ethics-test.parquet", "default/train/0000.parquet"), JSON Lines written
// with `datasets` ("train.jsonl") and the original releases ("hellaswag_val.jsonl", "anatomy_val.csv", "cm_test.csv").
import { basename, dirname } from 'node:path';

/**
 * The source split named by `file`: the longest alias that appears in the file's base name as a whole word
 * (delimited by anything but a letter or digit), else its folder's name when that is an alias; undefined otherwise.
 * `aliases` maps each source split to the names that mean it.
 */
export function splitFromFileName(file: string, aliases: Readonly<Record<string, readonly string[]>>): string | undefined {
  const pairs = Object.entries(aliases)
    .flatMap(([split, names]) => names.map((name) => ({ split, name: name.toLowerCase() })))
    .sort((a, b) => b.name.length - a.name.length);
  const base = basename(file).toLowerCase().replace(/\.[^.]*$/, '');
  for (const { split, name } of pairs) {
    if (new RegExp(`(^|[^a-z0-9])${escapeRegExp(name)}([^a-z0-9]|$)`).test(base)) return split;
  }
  const folder = basename(dirname(file)).toLowerCase();
  return pairs.find(({ name }) => name === folder)?.split;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
