// Reads an explore.html in Node as the page's script does: its blocks are gzip-compressed JSON in base64.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DATA_ELEMENT, originalBlockId, textBlockId, type ExploreData } from '../../src/report/explore/format.js';
import { ExploreModel } from '../../src/report/explore/browser/model.mjs';

export interface ReadPage {
  html: string;
  data: ExploreData;
  originals: string[];
  /** Every row's [prompt, output], in file order. */
  texts: [string, string][];
  model: ExploreModel;
}

export function readExplorePage(path: string): ReadPage {
  const html = readFileSync(path, 'utf8');
  const blocks = new Map<string, string>();
  for (const match of html.matchAll(/<script type="application\/octet-stream" id="([^"]+)">([^<]*)<\/script>/g)) blocks.set(match[1] as string, match[2] as string);
  const block = <T>(id: string): T => {
    const base64 = blocks.get(id);
    if (base64 === undefined) throw new Error(`${path}: no block ${id}`);
    return JSON.parse(gunzipSync(Buffer.from(base64, 'base64')).toString('utf8')) as T;
  };
  const data = block<ExploreData>(DATA_ELEMENT);
  const originals = Array.from({ length: data.originalBlocks }, (_, k) => block<string[]>(originalBlockId(k))).flat();
  const texts = Array.from({ length: data.textBlockStarts.length - 1 }, (_, k) => block<[string, string][]>(textBlockId(k))).flat();
  return { html, data, originals, texts, model: new ExploreModel(data, originals) };
}
