// What a label run leaves in its directory besides the request store: manifest.json when it starts; answers.jsonl
// (the answers contract of docs/contracts.md, complete questions only), failures.jsonl and summary.json, all together, when
// every request has an outcome.
import { join } from 'node:path';
import type { AnswerRecord } from '../core/types.js';
import { DEFAULT_FAILURE_STOP } from './failure-stop.js';
import { isGenerator, type Generation, type Generator, type GeneratorIdentity } from '../backends/types.js';
import type { BackendConfig } from '../backends/create.js';
import type { Item, LabelConfig, LabelRun, LabelSummary, RequestTally } from './types.js';
import { StagedOutput } from '../io/staged-output.js';
import { writeJsonAtomically } from '../io/atomic.js';
import { VERSION } from '../version.js';
import { kernelInfo } from '../native/kernel-info.js';

/** The summary of a run. */
export function summarize(
  config: LabelConfig,
  run: LabelRun,
  tally: RequestTally,
  rewriteTally: RequestTally | undefined,
  stopped: string | null,
  started: number,
): LabelSummary {
  // A question is complete when every variant was answered, failed when a request failed or its variations could not
  // be made, and unfinished when the run stopped before it had every outcome (none of them a failure).
  const state = run.questions.map((_, q): 'complete' | 'failed' | 'unfinished' => {
    const built = run.built[q];
    return built === undefined ? 'unfinished' : built.ok ? 'complete' : 'failed';
  });
  let unparseable = 0;
  run.items.forEach((item, i) => {
    const result = run.results[i];
    if (result === undefined) {
      if (state[item.question] === 'complete') state[item.question] = 'unfinished';
    } else if (!result.ok) state[item.question] = 'failed';
    else if (run.task.parseAnswer(result.output, item.variation) === null) unparseable++;
  });
  const count = (wanted: string): number => state.filter((s) => s === wanted).length;
  const summary: LabelSummary = {
    task: run.task.name,
    split: config.split,
    backend: manifestBackend(config.backend).backend,
    model: manifestBackend(config.backend).model,
    variations: run.variations,
    questions: run.questions.length,
    complete_questions: count('complete'),
    failed_questions: count('failed'),
    unfinished_questions: count('unfinished'),
    ...tally,
    unparseable,
    stopped,
    seconds: (performance.now() - started) / 1000,
  };
  if (rewriteTally) {
    summary.paraphrase = { ...rewriteTally, failed_questions: run.built.filter((b) => b !== undefined && !b.ok).length };
  }
  return summary;
}

/** answers.jsonl (complete questions), failures.jsonl (what is missing and why) and summary.json, all together. */
export function writeOutputs(out: string, run: LabelRun, summary: LabelSummary): void {
  const output = new StagedOutput(out);
  try {
    const answers = output.writer('answers.jsonl');
    const failures = output.writer('failures.jsonl');
    let next = 0;
    run.questions.forEach((q, qi) => {
      const first = next;
      while (next < run.items.length && (run.items[next] as Item).question === qi) next++;
      const built = run.built[qi];
      if (built === undefined || !built.ok) {
        failures.write(`${JSON.stringify({ id: q.id, variant: null, reason: built?.reason ?? 'paraphrase', message: built?.message ?? '' })}\n`);
        return;
      }
      const lines: string[] = [];
      let failed = false;
      for (let i = first; i < next; i++) {
        const { variation } = run.items[i] as Item;
        const result = run.results[i] as Generation;
        if (!result.ok) {
          failed = true;
          failures.write(`${JSON.stringify({ id: q.id, variant: variation.variant, reason: result.reason, message: result.message })}\n`);
          continue;
        }
        const record: AnswerRecord = {
          id: q.id,
          variant: variation.variant,
          prompt: variation.prompt,
          output: result.output,
          answer: run.task.parseAnswer(result.output, variation),
          gold: q.gold,
          ...(variation.choices ? { choices: variation.choices } : {}),
        };
        lines.push(`${JSON.stringify(record)}\n`);
      }
      if (!failed) for (const line of lines) answers.write(line);
    });
    answers.close();
    failures.close();
    const summaryWriter = output.writer('summary.json');
    summaryWriter.write(`${JSON.stringify(summary, null, 2)}\n`);
    summaryWriter.close();
    output.commit();
  } catch (error) {
    output.abort();
    throw error;
  }
}

/** The run's settings, for whoever reads the directory later. No secret: the API key's variable is named, never read here. */
export function writeManifest(config: LabelConfig): void {
  const manifest = {
    command: 'label',
    w2s_version: VERSION,
    task: config.task,
    task_options: config.taskOptions ?? {},
    split: config.split,
    seed: config.source.seed,
    data: config.source.data ?? null,
    variations: config.variations ?? null,
    limit: config.limit ?? null,
    backend: manifestBackend(config.backend),
    decoding: config.decoding,
    // A Generator object is named by its identity: its own fields (connections, keys) are nobody's business here.
    paraphrase: config.paraphrase === undefined ? null : { ...config.paraphrase, ...(config.paraphrase.backend ? { backend: manifestBackend(config.paraphrase.backend) } : {}) },
    failure_stop: config.failureStop ?? DEFAULT_FAILURE_STOP,
    // The engine's kernels (native or portable, instruction set, sgemm), for the built-in backend's speed and numbers.
    kernels: kernelInfo(),
    started_at: new Date().toISOString(),
  };
  const path = join(config.out, 'manifest.json');
  writeJsonAtomically(path, manifest);
}

/** A run's backend as its manifest and summary name it: the configuration, or a Generator object's identity. */
function manifestBackend(backend: BackendConfig | Generator): BackendConfig | GeneratorIdentity {
  return isGenerator(backend) ? backend.identity : backend;
}
