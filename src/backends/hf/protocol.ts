// The stdout messages of the Hugging Face sidecar (python/w2s_hf), one schema per message of the contract, so a
// message of the wrong shape is caught where it arrives instead of surfacing as `undefined` somewhere later.
import { z } from 'zod';
import { ProtocolError } from './json-lines.js';

// Python's json writes NaN for a diverged loss only when allowed to; the sidecar may send null instead.
const loss = z.number().nullable().transform((v) => v ?? NaN);

export const infoEvent = z.object({
  event: z.literal('info'),
  python: z.string(),
  torch: z.string(),
  transformers: z.string(),
  peft: z.string(),
  accelerate: z.string(),
  cuda: z.boolean(),
  devices: z.number().int().nonnegative(),
  bf16: z.boolean(),
});
export type HfInfo = z.infer<typeof infoEvent>;

export const startEvent = z.object({
  event: z.literal('start'),
  examples: z.number().int().nonnegative(),
  total_steps: z.number().int().nonnegative(),
  processes: z.number().int().positive(),
  device: z.string(),
  precision: z.string(),
  trainable_parameters: z.number().int().nonnegative(),
});
export type StartEvent = z.infer<typeof startEvent>;

export const stepEvent = z.object({
  event: z.literal('step'),
  step: z.number().int().positive(),
  total_steps: z.number().int().positive(),
  epoch: z.number(),
  loss,
  learning_rate: z.number(),
  grad_norm: z.number().nullable(),
});

export const doneEvent = z.object({
  event: z.literal('done'),
  out: z.string(),
  steps: z.number().int().nonnegative(),
  first_loss: loss,
  last_loss: loss,
  seconds: z.number(),
});
export type DoneEvent = z.infer<typeof doneEvent>;

/** The last line of a failed command: the Python message, and whether it blames the input. */
export const errorEvent = z.object({
  event: z.literal('error'),
  kind: z.enum(['bad-input', 'internal']),
  message: z.string(),
});
export type ErrorEvent = z.infer<typeof errorEvent>;

export const readyEvent = z.object({
  event: z.literal('ready'),
  model: z.string(),
  device: z.string(),
  precision: z.string(),
  context: z.number().int().positive(),
  chat_template: z.boolean().optional(),
});
export type ReadyEvent = z.infer<typeof readyEvent>;

export const trainEvent = z.discriminatedUnion('event', [startEvent, stepEvent, doneEvent, errorEvent]);
export const generateEvent = z.discriminatedUnion('event', [readyEvent, errorEvent]);

/** The answer to one `generate` request, routed by its id. */
export const generateAnswer = z.union([
  z.object({
    id: z.string(),
    output: z.string(),
    finish_reason: z.enum(['stop', 'length']),
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }),
  z.object({ id: z.string(), logprobs: z.array(z.number()) }),
  z.object({ id: z.string().nullable(), error: z.string(), kind: z.string() }),
]);
export type GenerateAnswer = z.infer<typeof generateAnswer>;

/** `value` checked against `schema`; a mismatch is a ProtocolError naming the message. */
export function expectMessage<S extends z.ZodType>(schema: S, value: Record<string, unknown>, source: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (field "${issue.path.join('.')}": ${issue.message})` : issue ? ` (${issue.message})` : '';
  const shown = JSON.stringify(value);
  throw new ProtocolError(`${source} sent a message the protocol does not allow${where}: ${shown.length > 200 ? `${shown.slice(0, 200)}...` : shown}`);
}
