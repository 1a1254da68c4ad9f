import { Rng } from '../core/rng.js';
import { badInput } from '../errors.js';
import { eosTokenIds } from './config.js';
import { InferenceState, step } from './kv-cache.js';
import type { LlamaModel } from './model.js';

/**
 * Inference: batched generation with a key/value cache, and log-likelihood scoring of given continuations.
 * Prompts of different lengths are left-padded; padded keys are masked and each sequence's positions start at 0 on its
 * first real token, so a prompt's result does not depend on what it is batched with.
 */

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (default) is greedy decoding; above 0, sampling from softmax(logits / temperature). */
  temperature?: number;
  /** Sampling only: keep the k most likely tokens (0 or absent: all). */
  topK?: number;
  /** Sampling only: keep the smallest set of most likely tokens whose probability reaches p (1 or absent: all). */
  topP?: number;
  /** Sampling seed; prompt i of a call draws from its own stream derived from (seed, i). Default 0. */
  seed?: number;
  /** Tokens that end a sequence; they are not part of the output. Default: the config's eos_token_id. */
  eosTokenIds?: number[];
  /** Token sequences that end a sequence once generated (kept in the output). */
  stopSequences?: number[][];
  /** Strings that end a sequence once the decoded output contains one; needs `decode`. */
  stopStrings?: string[];
  /** Detokenizer: when given, each result carries `text`, cut before the first stop string. */
  decode?: (ids: number[]) => string;
  /** Prompts run together (default 16). */
  batchSize?: number;
  /** Token id written into left-padding positions (masked out). Default 0. */
  padTokenId?: number;
  /**
   * Asked before each new token: true stops the call, which then throws {@link GenerationStopped} (a server in another
   * thread uses it to drop a batch whose clients all went away).
   */
  stopped?: () => boolean;
}

/** Thrown by {@link generate} when its `stopped` hook said so. */
export class GenerationStopped extends Error {
  constructor() {
    super('generation stopped');
    this.name = 'GenerationStopped';
  }
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface Generation {
  /** Generated tokens (a final end-of-sequence token excluded). */
  tokens: number[];
  finishReason: FinishReason;
  /** decode(tokens) cut before the first stop string (only when `decode` is given). */
  text?: string;
}

/** Index of the largest logit (the first on ties). */
function argmax(logits: Float32Array, off: number, V: number): number {
  let best = 0;
  let max = -Infinity;
  for (let v = 0; v < V; v++) {
    if (logits[off + v]! > max) {
      max = logits[off + v]!;
      best = v;
    }
  }
  return best;
}

/** Draws from softmax(logits / temperature) restricted by top-k, then top-p (Hugging Face's processor order). */
function sample(logits: Float32Array, off: number, V: number, o: GenerateOptions, rng: Rng, order: Int32Array, probs: Float64Array): number {
  const temperature = o.temperature!;
  for (let v = 0; v < V; v++) order[v] = v;
  const sorted = Array.from(order).sort((a, b) => logits[off + b]! - logits[off + a]! || a - b);
  let keep = o.topK && o.topK > 0 ? Math.min(o.topK, V) : V;
  const max = logits[off + sorted[0]!]!;
  let sum = 0;
  for (let i = 0; i < keep; i++) {
    probs[i] = Math.exp((logits[off + sorted[i]!]! - max) / temperature);
    sum += probs[i]!;
  }
  const topP = o.topP ?? 1;
  if (topP < 1) {
    let cum = 0;
    for (let i = 0; i < keep; i++) {
      cum += probs[i]! / sum;
      if (cum >= topP) {
        keep = i + 1;
        break;
      }
    }
    sum = 0;
    for (let i = 0; i < keep; i++) sum += probs[i]!;
  }
  let u = rng.next() * sum;
  for (let i = 0; i < keep; i++) {
    u -= probs[i]!;
    if (u < 0) return sorted[i]!;
  }
  return sorted[keep - 1]!;
}

function endsWith(seq: number[], suffix: number[]): boolean {
  if (suffix.length === 0 || suffix.length > seq.length) return false;
  const start = seq.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (seq[start + i] !== suffix[i]) return false;
  return true;
}

function firstStop(text: string, stops: readonly string[]): number {
  let cut = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  return cut;
}

function validatePrompts(model: LlamaModel, prompts: readonly (readonly number[])[], field: string, allowEmpty = false): void {
  const V = model.config.vocab_size;
  prompts.forEach((p, i) => {
    if (p.length === 0 && !allowEmpty) throw badInput('empty token sequence', { field: `${field}[${i}]` });
    for (const id of p) {
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw badInput(`token ${id} is outside the vocabulary (0..${V - 1})`, { field: `${field}[${i}]` });
      }
    }
  });
}

/** Generates a continuation of every prompt (token ids), batching prompts for speed. */
export function generate(model: LlamaModel, prompts: readonly (readonly number[])[], options: GenerateOptions): Generation[] {
  validatePrompts(model, prompts, 'prompts');
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 0)) {
    throw badInput(`must be an integer >= 0, got ${options.maxNewTokens}`, { field: 'maxNewTokens' });
  }
  if ((options.temperature ?? 0) < 0) throw badInput('must be >= 0', { field: 'temperature' });
  if (options.stopStrings?.length && !options.decode) throw badInput('stop strings need a decode function', { field: 'stopStrings' });
  const batchSize = options.batchSize ?? 16;
  let longest = 0;
  for (const p of prompts) longest = Math.max(longest, p.length);
  // One inference state serves every batch of its size: a step writes the cache rows it then reads, so nothing of an
  // earlier batch is seen, and the cache is allocated (and zeroed) once instead of once per batch.
  let state: InferenceState | null = null;
  const out: Generation[] = [];
  for (let start = 0; start < prompts.length; start += batchSize) {
    const batch = prompts.slice(start, start + batchSize);
    if (state === null || state.B !== batch.length) state = new InferenceState(model, batch.length, longest, longest + options.maxNewTokens);
    state.past = 0;
    out.push(...generateBatch(model, batch, start, options, state));
  }
  return out;
}

function generateBatch(model: LlamaModel, prompts: readonly (readonly number[])[], first: number, o: GenerateOptions, s: InferenceState): Generation[] {
  const B = prompts.length;
  const V = model.config.vocab_size;
  const eos = new Set(o.eosTokenIds ?? eosTokenIds(model.config));
  const stopSeqs = o.stopSequences ?? [];
  const stopStrings = o.stopStrings ?? [];
  const greedy = !(o.temperature && o.temperature > 0);
  let T0 = 0;
  for (const p of prompts) T0 = Math.max(T0, p.length);
  for (let b = 0; b < B; b++) {
    const p = prompts[b]!;
    const pad = T0 - p.length;
    s.padLeft[b] = pad;
    for (let t = 0; t < T0; t++) s.tokens[b * T0 + t] = t < pad ? (o.padTokenId ?? 0) : p[t - pad]!;
  }
  const results: Generation[] = prompts.map(() => ({ tokens: [], finishReason: 'length' }));
  const done = new Array<boolean>(B).fill(false);
  const rngs = prompts.map((_, b) => Rng.derive(o.seed ?? 0, `sample:${first + b}`));
  const order = new Int32Array(V);
  const probs = new Float64Array(V);
  let active = B;
  if (o.maxNewTokens > 0) step(model, s, T0);
  for (let n = 0; n < o.maxNewTokens && active > 0; n++) {
    if (o.stopped?.()) throw new GenerationStopped();
    for (let b = 0; b < B; b++) {
      if (done[b]) {
        s.tokens[b] = o.padTokenId ?? 0;
        continue;
      }
      const r = results[b]!;
      const next = greedy ? argmax(s.logits, b * V, V) : sample(s.logits, b * V, V, o, rngs[b]!, order, probs);
      s.tokens[b] = next;
      if (eos.has(next)) {
        r.finishReason = 'eos';
      } else {
        r.tokens.push(next);
        if (stopSeqs.some((seq) => endsWith(r.tokens, seq))) r.finishReason = 'stop';
        else if (stopStrings.length > 0 && firstStop(o.decode!(r.tokens), stopStrings) >= 0) r.finishReason = 'stop';
      }
      if (r.finishReason !== 'length') {
        done[b] = true;
        active--;
      }
    }
    if (active > 0 && n + 1 < o.maxNewTokens) step(model, s, 1);
  }
  if (o.decode) {
    for (const r of results) {
      const text = o.decode(r.tokens);
      const cut = firstStop(text, stopStrings);
      r.text = cut >= 0 ? text.slice(0, cut) : text;
    }
  }
  return results;
}

export interface ScoredContinuation {
  /** sum_t log p(continuation_t | context, continuation_<t). */
  logLikelihood: number;
  tokenLogProbs: number[];
  /** Whether every continuation token is the model's greedy choice. */
  isGreedy: boolean;
  /** How far each continuation token's logit lies below the largest one (0 for the greedy choice). */
  greedyGaps: number[];
}

/**
 * Log-likelihood of each continuation given its context (both token ids, context non-empty), from one full forward
 * pass per batch. Items are grouped by length to limit padding; results come back in input order.
 */
export function scoreContinuations(
  model: LlamaModel,
  items: readonly { context: readonly number[]; continuation: readonly number[] }[],
  options: { batchSize?: number } = {},
): ScoredContinuation[] {
  validatePrompts(model, items.map((it) => it.context), 'context');
  validatePrompts(model, items.map((it) => it.continuation), 'continuation', true);
  const batchSize = options.batchSize ?? 16;
  const C = model.config.hidden_size;
  const V = model.config.vocab_size;
  const order = items.map((_, i) => i).sort((a, b) => total(items[a]!) - total(items[b]!));
  let maxT = 0;
  for (const it of items) maxT = Math.max(maxT, total(it));
  const ws = model.workspace(Math.min(batchSize, Math.max(1, items.length)), Math.max(1, maxT));
  const head = ws.head();
  const results: ScoredContinuation[] = new Array(items.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const T = total(items[idx[idx.length - 1]!]!);
    ws.setShape(idx.length, T);
    idx.forEach((item, b) => {
      const seq = [...items[item]!.context, ...items[item]!.continuation];
      for (let t = 0; t < T; t++) ws.tokens[b * T + t] = t < seq.length ? seq[t]! : 0;
    });
    model.forward(ws, idx.length, T, null);
    idx.forEach((item, b) => {
      const { context, continuation } = items[item]!;
      const res: ScoredContinuation = { logLikelihood: 0, tokenLogProbs: [], isGreedy: true, greedyGaps: [] };
      // The logits at position t predict token t + 1; rows are computed in chunks of the head's size.
      for (let j0 = 0; j0 < continuation.length; j0 += head.chunk) {
        const m = Math.min(head.chunk, continuation.length - j0);
        for (let r = 0; r < m; r++) {
          const src = (b * T + context.length - 1 + j0 + r) * C;
          for (let d = 0; d < C; d++) head.x[r * C + d] = ws.lnf[src + d]!;
        }
        model.kernels.sgemm(false, true, m, V, C, 1, head.x, 0, C, model.params, model.layout.lmHead, C, 0, head.logits, 0, V);
        for (let r = 0; r < m; r++) {
          const target = continuation[j0 + r]!;
          const z = r * V;
          let max = -Infinity;
          for (let v = 0; v < V; v++) if (head.logits[z + v]! > max) max = head.logits[z + v]!;
          let sum = 0;
          for (let v = 0; v < V; v++) sum += Math.exp(head.logits[z + v]! - max);
          const lp = head.logits[z + target]! - max - Math.log(sum);
          res.tokenLogProbs.push(lp);
          res.greedyGaps.push(max - head.logits[z + target]!);
          res.logLikelihood += lp;
          if (argmax(head.logits, z, V) !== target) res.isGreedy = false;
        }
      }
      results[item] = res;
    });
  }
  return results;
}

/**
 * The most any token of `tokens` (a continuation of `context`, written by another engine), then end-of-sequence when
 * that continuation ended on one, scores below this model's best next token: 0 when every one is its greedy choice.
 * With several end-of-sequence ids, the one the model scores highest. Null when the model cannot score them (no
 * context token, a token outside the vocabulary, or no end-of-sequence id to score).
 */
export function largestGreedyGap(model: LlamaModel, context: readonly number[], tokens: readonly number[], endedOnEos: boolean): number | null {
  if (context.length === 0 || tokens.some((t) => t < 0 || t >= model.config.vocab_size)) return null;
  const ends = endedOnEos ? eosTokenIds(model.config) : [null];
  if (ends.length === 0) return null;
  const scored = scoreContinuations(model, ends.map((end) => ({ context, continuation: end === null ? tokens : [...tokens, end] })));
  const worst = (gaps: number[]): number => gaps.reduce((a, b) => Math.max(a, b), 0);
  return Math.min(...scored.map((s) => worst(s.greedyGaps)));
}

function total(it: { context: readonly number[]; continuation: readonly number[] }): number {
  return it.context.length + it.continuation.length;
}

export interface GenerationTiming {
  seconds: number;
  /** New tokens per second over the timed runs. */
  tokensPerSecond: number;
}

/**
 * Times greedy generation of a randomly initialised model from random prompts, for benchmarks: one untimed run,
 * then `runs` timed ones, each generating `newTokens` tokens for `batch` prompts of `prompt` tokens together.
 */
export function timeGeneration(
  model: LlamaModel,
  shape: { batch: number; prompt: number; newTokens: number; runs: number; seed?: number },
): GenerationTiming {
  const rng = Rng.derive(shape.seed ?? 0, 'timing-prompts');
  const prompts = Array.from({ length: shape.batch }, () =>
    Array.from({ length: shape.prompt }, () => rng.int(model.config.vocab_size)),
  );
  const options: GenerateOptions = { maxNewTokens: shape.newTokens, eosTokenIds: [], batchSize: shape.batch };
  generate(model, prompts, options);
  const start = performance.now();
  for (let i = 0; i < shape.runs; i++) generate(model, prompts, options);
  const seconds = (performance.now() - start) / 1000;
  return { seconds, tokensPerSecond: (shape.runs * shape.batch * shape.newTokens) / seconds };
}
