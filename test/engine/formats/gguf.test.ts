import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, promptIds } from '../../../src/backends/builtin.js';
import { saveCheckpoint } from '../../../src/engine/formats/checkpoint.js';
import { buildClosedVocabularyTokenizer } from '../../../src/engine/tokenizers/closed-vocabulary.js';
import { generate } from '../../../src/engine/generate.js';
import { GGUF_ALIGNMENT, ggufBool, ggufF32, ggufI32s, ggufString, ggufStrings, ggufU32, writeGguf } from '../../../src/engine/formats/gguf.js';
import { exportGguf, pairRotaryRows } from '../../../src/engine/formats/gguf-export.js';
import { ggufTokenizerMetadata } from '../../../src/engine/formats/gguf-vocab.js';
import { f16ToF32, f32ToF16 } from '../../../src/engine/formats/half.js';
import { HfTokenizer } from '../../../src/engine/tokenizers/tokenizer.js';
import { W2sError } from '../../../src/errors.js';
import { PROMPTS, trainTinyLm } from '../tiny-lm.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'w2s-gguf-'));

function readBytes(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, offset);
  closeSync(fd);
  return buf;
}

describe('f32ToF16', () => {
  it('inverts f16ToF32 on every half-precision value (NaNs become the quiet NaN of their sign)', () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const widened = new Uint32Array(65536);
    f16ToF32(halves, widened);
    const back = new Uint16Array(65536);
    f32ToF16(widened, back);
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      expect(back[h]).toBe(isNaN ? (h & 0x8000) | 0x7e00 : h);
    }
  });

  it('rounds to nearest, ties to even, in the normal and subnormal ranges, and overflows to infinity from 65520', () => {
    const cases: [number, number][] = [
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and its successor: ties to the even 1
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1+2^-10 (odd) and 1+2^-9: ties up to even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above halfway rounds up
      [2 ** -25, 0x0000], // half the smallest subnormal: ties to even zero
      [3 * 2 ** -25, 0x0002], // 1.5 smallest subnormals: ties to even 2
      [2 ** -14 - 2 ** -26, 0x0400], // just below the smallest normal rounds up to it
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00],
      [-1e30, 0xfc00],
      [-0, 0x8000],
    ];
    const src = new Float32Array(cases.map(([v]) => v));
    const dst = new Uint16Array(cases.length);
    f32ToF16(new Uint32Array(src.buffer), dst);
    expect([...dst]).toEqual(cases.map(([, h]) => h));
  });
});

describe('writeGguf', () => {
  it('writes a file that an independent GGUF reader (node-llama-cpp) reads back, metadata, tensor table and data', async () => {
    const file = join(tempDir(), 'x.gguf');
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([0.5, -0.25, 1e-3]);
    writeGguf(
      file,
      [
        ['general.architecture', ggufString('llama')],
        ['test.u32', ggufU32(7)],
        ['test.f32', ggufF32(0.5)],
        ['test.bool', ggufBool(true)],
        ['test.strings', ggufStrings(['a', 'ü', ''])],
        ['test.ints', ggufI32s([-1, 0, 2])],
      ],
      [
        { name: 'a', shape: [2, 3], type: 'F32', data: a },
        { name: 'b', shape: [3], type: 'F16', data: b },
      ],
    );
    const info = await readGgufFileInfo(file, { logWarnings: false });
    expect(info.version).toBe(3);
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(md.test).toEqual({ u32: 7, f32: 0.5, bool: true, strings: ['a', 'ü', ''], ints: [-1, 0, 2] });
    expect(md.general!.alignment).toBe(GGUF_ALIGNMENT);
    const tensors = info.tensorInfo!;
    expect(tensors.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType])).toEqual([
      ['a', [3, 2], 0],
      ['b', [3], 1],
    ]);
    for (const t of tensors) expect(Number(t.fileOffset) % GGUF_ALIGNMENT).toBe(0);
    const aBack = readBytes(file, Number(tensors[0]!.fileOffset), 24);
    expect([...new Float32Array(aBack.buffer, aBack.byteOffset, 6)]).toEqual([...a]);
    const bBack = readBytes(file, Number(tensors[1]!.fileOffset), 6);
    const widened = new Float32Array(3);
    f16ToF32(new Uint16Array(bBack.buffer.slice(bBack.byteOffset, bBack.byteOffset + 6)), new Uint32Array(widened.buffer));
    expect([...widened]).toEqual([0.5, -0.25, 1049 * 2 ** -20]); // 1e-3 rounds to the nearest half, 1049 x 2^-20
    expect(statSync(file).size).toBe(Number(tensors[1]!.fileOffset) + 32);
  });
});

describe('pairRotaryRows', () => {
  it("moves each head's half-split rotary rows to adjacent pairs (llama.cpp's layout), per head", () => {
    // Two heads of width 4, one column: rows h*4 + [a0 a1 b0 b1] become h*4 + [a0 b0 a1 b1].
    const rows = new Float32Array([0, 1, 2, 3, 10, 11, 12, 13]);
    expect([...pairRotaryRows(rows, [8, 1], 4)]).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    const wide = new Float32Array([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect([...pairRotaryRows(wide, [4, 2], 4)]).toEqual([0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5]);
  });
});

describe('ggufTokenizerMetadata', () => {
  const tokenizer = buildClosedVocabularyTokenizer(['red', 'blue'], { bos: '<s>', eos: '</s>', pad: '<pad>' });

  it('lists every id (padded to the model vocabulary), with token types, merges and special ids', () => {
    const md = new Map(ggufTokenizerMetadata(tokenizer, tokenizer.vocabSize + 2));
    const tokens = (md.get('tokenizer.ggml.tokens') as { values: string[] }).values;
    const types = (md.get('tokenizer.ggml.token_type') as { values: number[] }).values;
    expect(tokens).toHaveLength(tokenizer.vocabSize + 2);
    expect(tokens.slice(0, 3)).toEqual(['<s>', '</s>', '<pad>']);
    expect(types.slice(0, 3)).toEqual([3, 3, 3]);
    expect(tokens[tokenizer.tokenToId('Ġblue')!]).toBe('Ġblue');
    expect(types[tokenizer.tokenToId('Ġblue')!]).toBe(1);
    expect(tokens.slice(-2)).toEqual([`[PAD${tokenizer.vocabSize}]`, `[PAD${tokenizer.vocabSize + 1}]`]);
    expect(types.slice(-2)).toEqual([5, 5]);
    const merges = (md.get('tokenizer.ggml.merges') as { values: string[] }).values;
    expect(merges).toEqual(JSON.parse(tokenizer.json).model.merges);
    expect(md.get('tokenizer.ggml.model')).toEqual(ggufString('gpt2'));
    expect(md.get('tokenizer.ggml.pre')).toEqual(ggufString('gpt-2'));
    expect(md.get('tokenizer.ggml.bos_token_id')).toEqual(ggufU32(0));
    expect(md.get('tokenizer.ggml.eos_token_id')).toEqual(ggufU32(1));
    expect(md.get('tokenizer.ggml.padding_token_id')).toEqual(ggufU32(2));
    expect(md.get('tokenizer.ggml.add_bos_token')).toEqual(ggufBool(true));
  });

  it.each<[string, (json: Record<string, unknown>) => void, string]>([
    ['a WordLevel model', (j) => (j.model = { type: 'WordLevel', vocab: { '<s>': 0, '</s>': 1, '<pad>': 2, red: 3 }, unk_token: '<pad>' }), 'model.type'],
    ['byte fallback (SentencePiece-style BPE)', (j) => ((j.model as Record<string, unknown>).byte_fallback = true), 'model.byte_fallback'],
    ['a Metaspace pre-tokenizer', (j) => (j.pre_tokenizer = { type: 'Metaspace', replacement: '▁' }), 'pre_tokenizer'],
    ['a normalizer', (j) => (j.normalizer = { type: 'NFC' }), 'normalizer'],
    ['a prefix space', (j) => ((j.pre_tokenizer as Record<string, unknown>).add_prefix_space = true), 'pre_tokenizer.add_prefix_space'],
  ])('refuses %s, naming the file and field', (_name, change, field) => {
    const json = JSON.parse(tokenizer.json) as Record<string, unknown>;
    change(json);
    let caught: unknown;
    try {
      ggufTokenizerMetadata(HfTokenizer.fromJson(JSON.stringify(json)), 400, 'ckpt/tokenizer.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(W2sError);
    expect((caught as Error).message).toContain(`ckpt/tokenizer.json, field "${field}"`);
    expect((caught as Error).message).toContain('only byte-level BPE');
  });
});

/**
 * The round trip: a model trained by the engine, exported to GGUF, run by llama.cpp (through node-llama-cpp): the
 * same tokenization and the same greedy tokens as the engine on every prompt.
 */
describe('GGUF export run by llama.cpp', () => {
  let llama: Llama;
  let dir: string;
  let untied: string;
  let tied: string;
  const mmlu = readFileSync('fixtures/mmlu/hf/all/validation.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, 4)
    .map((line) => (JSON.parse(line) as { question: string }).question);
  const prompts = [...PROMPTS, ...mmlu, 'héllo wörld ☃ 日本語 one two', 'seven\n\neight  nine', "it's 42 cats, isn't it?"];

  beforeAll(async () => {
    dir = tempDir();
    untied = await trainTinyLm(join(dir, 'untied'));
    tied = await trainTinyLm(join(dir, 'tied'), { tied: true });
    llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: LlamaLogLevel.error });
  });

  /** Greedy tokens of the engine and of llama.cpp, for each prompt (at most `maxNew` each, eos ends). */
  async function both(checkpoint: string, gguf: string, kv: 'F16' | 'F32', maxNew = 24): Promise<{ ours: number[][]; theirs: number[][]; ourIds: number[][]; theirIds: number[][] }> {
    const loaded = loadModel({ checkpoint });
    const ourIds = await promptIds(loaded.tokenizer, prompts);
    const ours = generate(loaded.model, ourIds, { maxNewTokens: maxNew, eosTokenIds: [loaded.tokenizer.eosId!] }).map((g) => g.tokens);
    const model = await llama.loadModel({ modelPath: gguf });
    // One thread: llama.cpp's threads spin while they wait for each other, which is slow on a busy machine.
    const context = await model.createContext({ contextSize: 512, threads: 1, experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv });
    const sequence = context.getSequence();
    const theirIds: number[][] = [];
    const theirs: number[][] = [];
    for (const prompt of prompts) {
      const ids = [model.tokens.bos!, ...model.tokenize(prompt, false)];
      theirIds.push(ids);
      const out: number[] = [];
      for await (const token of sequence.evaluate(ids, { temperature: 0 })) {
        out.push(token);
        if (out.length >= maxNew) break;
      }
      await sequence.clearHistory();
      theirs.push(out);
    }
    await context.dispose();
    await model.dispose();
    return { ours, theirs, ourIds, theirIds };
  }

  it('tokenizes every prompt as the engine does and generates the same greedy tokens and text (F32 weights and cache)', async () => {
    const gguf = join(dir, 'untied.gguf');
    const summary = exportGguf(untied, gguf);
    expect(summary).toMatchObject({ dtype: 'F32', tensors: 2 + 9 * 2 + 1 });
    const r = await both(untied, gguf, 'F32');
    expect(r.theirIds).toEqual(r.ourIds);
    expect(r.theirs).toEqual(r.ours);
    // The model learned its cycles: greedy decoding continues them and stops after ".".
    const tokenizer = loadModel({ checkpoint: untied }).tokenizer;
    expect(await tokenizer.decode(r.ours[0]!)).toBe(' three four five six seven eight nine ten .');
    expect(r.ours.slice(0, PROMPTS.length).every((t) => t.length >= 2 && t.length < 24)).toBe(true);
  });

  it("matches with llama.cpp's defaults too: F16 key/value cache, and F16 weights", async () => {
    const f32 = join(dir, 'untied.gguf');
    exportGguf(untied, f32);
    const f16 = join(dir, 'untied-f16.gguf');
    exportGguf(untied, f16, { dtype: 'F16' });
    expect(statSync(f16).size).toBeLessThan(0.6 * statSync(f32).size);
    // Measured on these prompts: no divergence. Half precision can flip a near-tie, so the test states the measure.
    for (const [file, kv] of [[f32, 'F16'], [f16, 'F32'], [f16, 'F16']] as const) {
      const r = await both(untied, file, kv);
      const diverged = r.ours.filter((tokens, i) => firstDivergence(tokens, r.theirs[i]!) >= 0).length;
      expect(diverged, `${file} with an ${kv} cache`).toBe(0);
    }
  });

  it('exports tied embeddings without an output tensor, and llama.cpp reuses token_embd', async () => {
    const gguf = join(dir, 'tied.gguf');
    exportGguf(tied, gguf);
    const info = await readGgufFileInfo(gguf, { logWarnings: false });
    expect(info.tensorInfo!.map((t) => t.name)).not.toContain('output.weight');
    const r = await both(tied, gguf, 'F32');
    expect(r.theirs).toEqual(r.ours);
  });

  it('writes the hyper-parameters llama.cpp reads', async () => {
    const gguf = join(dir, 'untied.gguf');
    exportGguf(untied, gguf, { name: 'tiny' });
    const info = await readGgufFileInfo(gguf, { logWarnings: false });
    const md = info.metadata as unknown as { general: Record<string, unknown>; llama: Record<string, unknown> };
    expect(md.general).toMatchObject({ architecture: 'llama', name: 'tiny', file_type: 0 });
    expect(md.llama).toMatchObject({
      context_length: 512,
      embedding_length: 32,
      block_count: 2,
      feed_forward_length: 64,
      attention: { head_count: 4, head_count_kv: 2, key_length: 8, value_length: 8 },
      rope: { dimension_count: 8, freq_base: 10000 },
    });
  });

  it('refuses a checkpoint without a tokenizer, naming the folder, and writes nothing', () => {
    const { model } = loadModel({ checkpoint: untied });
    const bare = join(dir, 'bare');
    saveCheckpoint(bare, model.config, model.tensors(), null);
    const out = join(dir, 'bare.gguf');
    expect(() => exportGguf(bare, out)).toThrow(new W2sError('the checkpoint has no tokenizer.json; GGUF files carry their tokenizer', { file: bare }));
    expect(existsSync(out)).toBe(false);
  });
});

/** Index of the first differing token, or -1 when the sequences are equal. */
function firstDivergence(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}
