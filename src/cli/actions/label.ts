// `w2s label`'s work, loaded when the command runs (src/cli/lazy.ts); its options are declared in commands/label.ts.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BACKEND_NAMES, type BackendConfig } from '../../backends/create.js';
import { usesChatTemplate } from '../../backends/hf/presets.js';
import { DEFAULT_RETRY_POLICY } from '../../backends/retry.js';
import { DEFAULT_DECODING } from '../../backends/types.js';
import { cacheDirFromEnv } from '../../hub/download.js';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { DEFAULT_FAILURE_STOP } from '../../label/failure-stop.js';
import { runLabel, type LabelConfig, type LabelSummary } from '../../label/label.js';
import { SYNTHETIC_TASK_NAMES, TASK_NAMES } from '../../tasks/registry.js';
import { DEFAULT_BASE_URL } from '../commands/label.js';
import { parseFlags } from '../flags.js';
import { labelProgressBar } from '../progress.js';

const count = z.coerce.number().int().min(1);
const labelFlags = z.object({
  task: z.enum([...TASK_NAMES, ...SYNTHETIC_TASK_NAMES]),
  split: z.enum(['train', 'val', 'test']),
  backend: z.enum(BACKEND_NAMES),
  model: z.string().min(1),
  baseUrl: z.array(z.string().min(1)),
  api: z.enum(['completions', 'chat']),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'),
  data: z.array(z.string().min(1)),
  cache: z.string().optional(),
  variations: count.optional(),
  concurrency: count,
  threads: count.optional(),
  adapter: z.string().min(1).optional(),
  python: z.string().min(1).optional(),
  chatTemplate: z.boolean().optional(),
  limit: count.optional(),
  out: z.string().min(1),
  seed: z.coerce.number().int().nonnegative(),
  temperature: z.coerce.number().min(0),
  maxTokens: count,
  stop: z.array(z.string()),
  topP: z.coerce.number().gt(0).max(1).optional(),
  decodingSeed: z.coerce.number().int().nonnegative().optional(),
  timeout: z.coerce.number().positive(),
  retries: z.coerce.number().int().min(0),
  maxConsecutiveFailures: count,
  maxFailureRate: z.coerce.number().min(0).max(1),
  paraphraser: z.enum(['llm', 'template']),
  paraphraseModel: z.string().min(1).optional(),
  paraphraseBaseUrl: z.array(z.string().min(1)),
  paraphraseApi: z.enum(['completions', 'chat']).optional(),
  paraphraseApiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
  permutationMode: z.enum(['original-first', 'all-random']),
  mmluTrainSource: z.enum(['auxiliary_train', 'dev']),
  json: z.boolean().optional(),
});
type LabelFlags = z.infer<typeof labelFlags>;

export async function labelAction(raw: Record<string, unknown>, command: Command): Promise<void> {
  const flags: LabelFlags = parseFlags(labelFlags, raw);
  const named = (option: string): boolean => command.getOptionValueSource(option) === 'cli';
  const config = labelConfig(flags, named('apiKeyEnv'), named('apiKeyEnv') || named('paraphraseApiKeyEnv'));
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);
  const progress = labelProgressBar();
  let summary: LabelSummary;
  try {
    summary = await runLabel({ ...config, signal: interrupt.signal, onProgress: progress?.update });
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
  }
  process.stdout.write(flags.json ? `${JSON.stringify({ out: config.out, ...summary })}\n` : formatSummary(summary, config.out));
  if (summary.stopped !== null) {
    throw new W2sError(
      `stopped: ${summary.stopped}. Every answer received is kept in ${config.out}/store.sqlite; run the same command again to go on`,
      {},
      EXIT_FAILURE,
    );
  }
  if (summary.failed_questions > 0) {
    throw new W2sError(
      `${summary.failed_questions} of ${summary.questions} questions have failed requests (see ${config.out}/failures.jsonl); ` +
        `answers.jsonl holds the ${summary.complete_questions} complete ones; run the same command again to retry the rest`,
      {},
      EXIT_FAILURE,
    );
  }
}

// `keyNamed` / `paraphraseKeyNamed`: the key variables were named on the command line, so they must hold a key.
function labelConfig(flags: LabelFlags, keyNamed: boolean, paraphraseKeyNamed: boolean): LabelConfig {
  if (flags.chatTemplate === true && flags.backend !== 'hf') {
    const instead = flags.backend === 'openai' ? ' (the openai backend has --api chat)' : '';
    throw badInput(`--chat-template is for --backend hf: the ${flags.backend} backend's models have no chat template here${instead}`, { field: '--chat-template' });
  }
  const baseUrls = flags.baseUrl.length > 0 ? flags.baseUrl : [process.env.OPENAI_BASE_URL?.trim() || DEFAULT_BASE_URL];
  const backend = (model: string, urls: string[], api: 'completions' | 'chat', apiKeyEnv: string, apiKeyRequired: boolean): BackendConfig =>
    flags.backend === 'openai'
      ? {
          backend: 'openai',
          model,
          baseUrls: urls,
          api,
          apiKeyEnv,
          apiKeyRequired,
          concurrency: flags.concurrency,
          timeoutMs: flags.timeout * 1000,
          retry: { ...DEFAULT_RETRY_POLICY, maxRetries: flags.retries },
          jitterSeed: flags.seed,
        }
      : flags.backend === 'hf'
        ? {
            backend: 'hf',
            model,
            concurrency: flags.concurrency,
            chatTemplate: usesChatTemplate(model, flags.chatTemplate),
            ...(flags.python !== undefined ? { python: flags.python } : {}),
          }
        : { backend: flags.backend, model, concurrency: flags.concurrency, ...(flags.threads !== undefined ? { threads: flags.threads } : {}) };
  const ownParaphraser =
    flags.paraphraseModel !== undefined || flags.paraphraseBaseUrl.length > 0 || flags.paraphraseApi !== undefined || flags.paraphraseApiKeyEnv !== undefined;
  const paraphraseBackend = backend(
    flags.paraphraseModel ?? flags.model,
    flags.paraphraseBaseUrl.length > 0 ? flags.paraphraseBaseUrl : baseUrls,
    flags.paraphraseApi ?? flags.api,
    flags.paraphraseApiKeyEnv ?? flags.apiKeyEnv,
    paraphraseKeyNamed,
  );
  const stop = flags.stop.length === 0 ? [...DEFAULT_DECODING.stop] : flags.stop.filter((s) => s !== '');
  return {
    task: flags.task,
    taskOptions: { permutationMode: flags.permutationMode, mmluTrainSource: flags.mmluTrainSource },
    split: flags.split,
    source: {
      data: flags.data.map((file) => resolve(file)),
      cacheDir: resolve(flags.cache ?? cacheDirFromEnv()),
      seed: flags.seed,
    },
    variations: flags.variations,
    limit: flags.limit,
    out: flags.out,
    backend: withAdapter(backend(flags.model, baseUrls, flags.api, flags.apiKeyEnv, keyNamed), flags.adapter),
    decoding: {
      temperature: flags.temperature,
      maxTokens: flags.maxTokens,
      stop,
      ...(flags.topP !== undefined ? { topP: flags.topP } : {}),
      ...(flags.decodingSeed !== undefined ? { seed: flags.decodingSeed } : {}),
    },
    paraphrase: { source: flags.paraphraser, ...(ownParaphraser ? { backend: paraphraseBackend } : {}) },
    failureStop: { ...DEFAULT_FAILURE_STOP, maxConsecutiveFailures: flags.maxConsecutiveFailures, maxFailureRate: flags.maxFailureRate },
  };
}

/** The labelling model with its adapter (--adapter), for the backends that load one; the paraphraser has none. */
function withAdapter(config: BackendConfig, adapter: string | undefined): BackendConfig {
  if (adapter === undefined) return config;
  if (config.backend === 'builtin' || config.backend === 'hf') return { ...config, adapter };
  throw badInput(`--adapter is for the builtin and hf backends, not ${config.backend}`, { field: '--adapter' });
}

function formatSummary(s: LabelSummary, out: string): string {
  const byReason = (counts: Record<string, number>): string => {
    const parts = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => `${reason} ${n}`);
    return parts.length > 0 ? ` (${parts.join(', ')})` : '';
  };
  const lines = [
    `${s.task} ${s.split}: ${s.questions} questions x ${s.variations} variations with ${s.backend} model ${s.model}: ` +
      `${s.complete_questions} complete, ${s.failed_questions} with failures` +
      (s.paraphrase && s.paraphrase.failed_questions > 0 ? ` (${s.paraphrase.failed_questions} without usable paraphrases)` : '') +
      (s.unfinished_questions > 0 ? `, ${s.unfinished_questions} not finished` : ''),
    `requests: ${s.requests} (${s.sent} sent, ${s.cache_hits} from the store); retries: ${s.retries}${byReason(s.retries_by_reason)}; ` +
      `failed: ${s.failures}${byReason(s.failures_by_reason)}`,
    `unparseable outputs: ${s.unparseable}`,
  ];
  if (s.paraphrase) {
    const p = s.paraphrase;
    lines.push(`paraphrase requests: ${p.requests} (${p.sent} sent, ${p.cache_hits} from the store); retries: ${p.retries}; failed: ${p.failures}; questions without paraphrases: ${p.failed_questions}`);
  }
  if (s.stopped === null) lines.push(`wrote ${out}/answers.jsonl, failures.jsonl, summary.json in ${s.seconds.toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
