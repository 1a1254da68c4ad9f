import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BACKEND_NAMES, DEFAULT_API_KEY_ENV, type BackendConfig } from '../../backends/create.js';
import { DEFAULT_RETRY_POLICY } from '../../backends/retry.js';
import { DEFAULT_DECODING } from '../../backends/types.js';
import { cacheDirFromEnv } from '../../hub/download.js';
import { badInput, EXIT_FAILURE, W2sError } from '../../errors.js';
import { DEFAULT_FAILURE_STOP } from '../../label/failure-stop.js';
import { runLabel, type LabelConfig, type LabelSummary } from '../../label/label.js';
import { SYNTHETIC_TASK_NAMES, TASK_NAMES } from '../../tasks/registry.js';
import { parseFlags } from '../flags.js';
import { labelProgressBar } from '../progress.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

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
});
type LabelFlags = z.infer<typeof labelFlags>;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `w2s label`: a weak supervisor behind a backend labels a task's split with N prompt variations per question. */
export function registerLabel(program: Command): void {
  program
    .command('label')
    .description("ask a weak supervisor every question of a task's split under N prompt variations and write answers.jsonl")
    .requiredOption('--task <name>', `one of: ${TASK_NAMES.join(', ')}; or a synthetic family (${SYNTHETIC_TASK_NAMES.join(', ')}) with its split records given by --data`)
    .option('--split <name>', 'train, val or test (the paper labels val)', 'val')
    .option(
      '--backend <name>',
      `${BACKEND_NAMES.join(', ')}: an OpenAI-compatible server, a GGUF file run by llama.cpp, a checkpoint folder run by the built-in engine, or a model run by PyTorch + transformers (hf)`,
      'openai',
    )
    .requiredOption(
      '--model <name>',
      'the model name the server knows (openai), a .gguf file (llamacpp), a checkpoint folder (builtin), or a checkpoint folder, hub id or preset such as llama2-7b (hf)',
    )
    .option('--base-url <url>', `server base URL, repeat for replicas (default: $OPENAI_BASE_URL or ${DEFAULT_BASE_URL}); no path means /v1`, collect, [])
    .option('--api <kind>', 'completions (raw prompts, as the paper) or chat (the prompt as one user message)', 'completions')
    .option('--api-key-env <name>', 'environment variable holding the API key (never written anywhere)', DEFAULT_API_KEY_ENV)
    .option('--data <file>', "a dataset file in any format the task reads, repeatable (default: the hub cache of `w2s data fetch`)", collect, [])
    .option('--cache <dir>', 'hub cache folder (default: $W2S_CACHE or ~/.cache/w2s)')
    .option('--variations <N>', "prompt variations per question (default: the task's, 5; ETHICS 2)")
    .option('--concurrency <C>', 'requests in flight at most', '16')
    .option('--threads <n>', 'llamacpp: CPU threads of llama.cpp (default: all cores)')
    .option('--adapter <dir>', 'builtin, hf: a PEFT adapter folder on top of --model')
    .option('--python <path>', 'hf: the Python interpreter of the sidecar (default: $W2S_PYTHON, else .venv-hf, else python3)')
    .option('--limit <K>', 'label only the first K questions of the split')
    .requiredOption('--out <dir>', 'run directory: answers.jsonl, failures.jsonl, summary.json, manifest.json, store.sqlite')
    .option('--seed <n>', 'seed of the split and of the variations', '0')
    .option('--temperature <t>', '0 is greedy decoding', String(DEFAULT_DECODING.temperature))
    .option('--max-tokens <n>', 'tokens per output at most', String(DEFAULT_DECODING.maxTokens))
    .option('--stop <text>', 'stop string, repeatable; --stop "" sends none', collect, [])
    .option('--top-p <p>', 'nucleus sampling (default: the server\'s)')
    .option('--decoding-seed <n>', 'sampling seed sent with every request')
    .option('--timeout <seconds>', 'per-request timeout', '120')
    .option('--retries <n>', 'retries of a failed request (429, 5xx, timeouts, lost connections, broken answers)', String(DEFAULT_RETRY_POLICY.maxRetries))
    .option('--max-consecutive-failures <n>', 'stop the run after this many requests in a row failed', String(DEFAULT_FAILURE_STOP.maxConsecutiveFailures))
    .option('--max-failure-rate <r>', `stop the run when more than this fraction of requests failed (after ${DEFAULT_FAILURE_STOP.minRequestsForRate})`, String(DEFAULT_FAILURE_STOP.maxFailureRate))
    .option('--paraphraser <kind>', 'GSM8K variations: llm (the paper: a model rewrites the question) or template (built-in rewrites)', 'llm')
    .option('--paraphrase-model <name>', 'the model that paraphrases (default: --model)')
    .option('--paraphrase-base-url <url>', 'its server, repeatable (default: --base-url)', collect, [])
    .option('--paraphrase-api <kind>', 'its API, completions or chat (default: --api; chat for chat-only models such as GPT-4o)')
    .option('--paraphrase-api-key-env <name>', "the variable holding its server's API key (default: --api-key-env)")
    .option('--permutation-mode <mode>', 'multiple choice: original-first or all-random option orders', 'original-first')
    .option('--mmlu-train-source <split>', 'MMLU: auxiliary_train or dev as the train split', 'auxiliary_train')
    .addHelpText(
      'after',
      '\nEvery request is kept in DIR/store.sqlite as it is answered: run the same command again after a stop, a crash or\n' +
        'Ctrl-C and only what is missing is sent. answers.jsonl (the input of `w2s score`) holds the questions whose\n' +
        'every variation was answered, in question then variant order; failures.jsonl lists what failed and why.\n' +
        'Exit code 1 when a request failed for good or the run stopped early; 2 for bad usage.\n\n' +
        'Example:\n' +
        '  w2s label --task mmlu --split val --model meta-llama/Llama-2-7b-hf --base-url http://localhost:8000/v1 --out runs/mmlu-weak\n' +
        '  w2s label --task mmlu --split val --backend hf --model llama2-7b --adapter runs/weak-adapter --concurrency 32 --out runs/mmlu-weak\n' +
        '  w2s score --input runs/mmlu-weak/answers.jsonl --out runs/mmlu-weak/score --task mmlu',
    )
    .action(async (raw: Record<string, unknown>, command: Command) => {
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
      process.stdout.write(formatSummary(summary, config.out));
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
    });
}

// `keyNamed` / `paraphraseKeyNamed`: the key variables were named on the command line, so they must hold a key.
function labelConfig(flags: LabelFlags, keyNamed: boolean, paraphraseKeyNamed: boolean): LabelConfig {
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
        ? { backend: 'hf', model, concurrency: flags.concurrency, ...(flags.python !== undefined ? { python: flags.python } : {}) }
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
      `${s.complete_questions} complete, ${s.failed_questions} with failures`,
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
