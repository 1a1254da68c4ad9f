import type { Command } from 'commander';
import { DEFAULT_RETRY_POLICY } from '../../backends/retry.js';
import { BACKEND_NAMES, DEFAULT_API_KEY_ENV, DEFAULT_DECODING } from '../../backends/types.js';
import { DEFAULT_FAILURE_STOP } from '../../label/failure-stop.js';
import { SYNTHETIC_TASK_NAMES, TASK_NAMES } from '../../tasks/names.js';
import { lazyAction } from '../lazy.js';

/** Where `--backend openai` sends requests unless told otherwise. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

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
    .option('--cache <dir>', 'hub cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s)')
    .option('--variations <N>', "prompt variations per question (default: the task's, 5; ETHICS 2)")
    .option('--concurrency <C>', 'requests in flight at most', '16')
    .option('--threads <n>', 'llamacpp: CPU threads of llama.cpp (default: all cores)')
    .option('--adapter <dir>', 'builtin, hf: a PEFT adapter folder on top of --model')
    .option('--python <path>', 'hf: the Python interpreter of the sidecar (default: $W2S_PYTHON, else .venv-hf, else python3)')
    .option('--chat-template', "hf: render each prompt as one user turn in the model's chat template (default: raw text as the paper; on for instruct presets)")
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
    .option('--json', 'print summary.json\'s object (and "out") as one JSON line on stdout instead of the text summary')
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
    .action(lazyAction(async () => (await import('../actions/label.js')).labelAction));
}
