import type { Command } from 'commander';
import { TASK_NAMES } from '../../tasks/names.js';
import { lazyAction, lazyHelpText } from '../lazy.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const ENVIRONMENT_HELP =
  '\nEnvironment:\n' +
  '  HF_ENDPOINT     hub or mirror to download from (default https://huggingface.co)\n' +
  '  HF_TOKEN        access token for private or gated datasets (sent to HF_ENDPOINT only, never written); without it,\n' +
  '                  the login saved by `hf auth login` ($HF_TOKEN_PATH, else $HF_HOME/token)\n' +
  '  W2S_CACHE       cache folder (default $XDG_CACHE_HOME/w2s, else ~/.cache/w2s); --cache overrides it\n' +
  '  HF_HUB_CACHE    the Hugging Face hub cache (default $HF_HOME/hub, else ~/.cache/huggingface/hub): a file of the\n' +
  '                  same commit there with the right checksum is taken from it instead of downloaded\n' +
  '  HF_HUB_OFFLINE  1 = never use the network, only the cache\n';

/** `w2s data`: the paper's datasets, downloaded from the Hugging Face hub into a local cache. */
export function registerData(program: Command): void {
  const data = program.command('data').description("download the paper's datasets from the Hugging Face hub into a local cache, and make ground-truth SFT rows from them");

  const fetch = data
    .command('fetch')
    .description("download a task's parquet files (pinned commit, checksum-verified, resumable) and print where they are")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .option('--revision <rev>', "a commit, branch or tag of the dataset repository instead of w2s's pinned commit (the hub's checksums are used then)")
    .option('--cache <dir>', 'cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s)')
    .option('--split <names>', "comma-separated hub splits to fetch (default: all the task's splits)")
    .option('--force', 'download again even when a file is already cached')
    .action(lazyAction(async () => (await import('../actions/data.js')).fetchAction));
  // The sources table reads the tasks' pinned repositories, loaded only for `w2s data fetch`.
  lazyHelpText(fetch, async () => {
    const { sourcesTable } = await import('../actions/data.js');
    return `${ENVIRONMENT_HELP}\nSources:\n${sourcesTable()}\nPrints one line per file: <split><TAB><path>.\n\nExample:\n  w2s data fetch gsm8k --split test`;
  });

  data
    .command('path')
    .description("print where a task's files are (or go) in the cache, without using the network")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .option('--revision <rev>', "a revision other than w2s's pinned commit")
    .option('--cache <dir>', 'cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s)')
    .option('--split <names>', 'comma-separated hub splits (default: all)')
    .addHelpText('after', '\nPrints one line per file: <split><TAB><path>; exits 1 when any of them is not in the cache yet.\n')
    .action(lazyAction(async () => (await import('../actions/data.js')).pathAction));

  registerSft(data);
}

/** `w2s data sft`: a split's ground-truth SFT rows (the weak supervisor's training set, or the ceiling's). */
function registerSft(data: Command): void {
  data
    .command('sft')
    .description("write a split's ground-truth SFT rows (App. B prompt, gold completion, weight 1): what the weak supervisor is fine-tuned on")
    .argument('<task>', `one of: ${TASK_NAMES.join(', ')}`)
    .requiredOption('--out <file>', 'the SFT rows JSONL to write ({id, prompt, completion, weight} per line)')
    .option('--split <name>', 'train, val or test (the weak supervisor trains on train)', 'train')
    .option('--data <file>', 'a dataset file in any format the task reads, repeatable (default: the hub cache of `w2s data fetch`)', collect, [])
    .option('--cache <dir>', 'hub cache folder (default: $W2S_CACHE, else $XDG_CACHE_HOME/w2s, else ~/.cache/w2s)')
    .option('--seed <n>', 'seed of the split (the same as `w2s label --seed`)', '0')
    .option('--limit <K>', 'only the first K questions of the split')
    .option('--mmlu-train-source <split>', 'MMLU: auxiliary_train or dev as the train split', 'auxiliary_train')
    .addHelpText('after', '\nExample:\n  w2s data sft mmlu --split train --out runs/mmlu/weak-train.jsonl\n  w2s train --engine hf --base llama2-7b --rows runs/mmlu/weak-train.jsonl --out runs/mmlu/weak')
    .action(lazyAction(async () => (await import('../actions/data.js')).sftAction));
}
