import { z } from 'zod';
import type { Decoding } from '../backends/types.js';
import type { ChatMessage } from './chat-template.js';

/*
 * The request bodies of OpenAI's /v1/completions and /v1/chat/completions that `w2s serve` understands, with OpenAI's
 * defaults (temperature 1, top_p 1, n 1, max_tokens 16 for completions and "until the context ends" for chat), and
 * OpenAI's error body. Parameters the engine cannot honour (penalties, logit bias, log-probabilities, tools, JSON
 * mode, suffix, best_of > 1) are refused with a 400 when set to anything but their no-op value, rather than ignored;
 * parameters this server does not know are ignored, as other OpenAI-compatible servers do.
 */

/** An error as OpenAI's API returns it, with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: 'invalid_request_error' | 'server_error' = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  /** The JSON body: `{"error": {"message", "type", "param", "code"}}`. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const stopField = z.union([z.string(), z.array(z.string()).max(4, 'at most 4 stop sequences')]).nullish();
/** A parameter accepted only at its no-op value. */
const noOp = <T extends z.ZodType>(schema: T, isNoOp: (v: z.infer<T>) => boolean, what: string) =>
  schema.nullish().refine((v) => v === null || v === undefined || isNoOp(v as z.infer<T>), `${what} is not supported by this server`);

const sampling = {
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop: stopField,
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  presence_penalty: noOp(z.number(), (v) => v === 0, 'presence_penalty'),
  frequency_penalty: noOp(z.number(), (v) => v === 0, 'frequency_penalty'),
  logit_bias: noOp(z.record(z.string(), z.number()), (v) => Object.keys(v).length === 0, 'logit_bias'),
  user: z.string().nullish(),
};

export const completionRequest = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1)], { message: 'prompt must be a string or an array of strings (token-id prompts are not supported)' }),
  max_tokens: z.number().int().min(0).nullish(),
  echo: z.boolean().nullish(),
  logprobs: noOp(z.number(), () => false, 'logprobs'),
  suffix: noOp(z.string(), (v) => v === '', 'suffix'),
  best_of: noOp(z.number().int(), (v) => v === 1, 'best_of > 1'),
});
export type CompletionRequest = z.infer<typeof completionRequest>;

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)], { message: 'content must be a string or an array of text parts' }),
  name: z.string().nullish(),
});

export const chatRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1, 'messages must not be empty'),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: noOp(z.boolean(), (v) => v === false, 'logprobs'),
  top_logprobs: noOp(z.number(), () => false, 'top_logprobs'),
  tools: noOp(z.array(z.unknown()), (v) => v.length === 0, 'tools'),
  tool_choice: noOp(z.unknown(), (v) => v === 'none', 'tool_choice'),
  response_format: noOp(z.object({ type: z.string() }), (v) => v.type === 'text', 'response_format other than text'),
});
export type ChatRequest = z.infer<typeof chatRequest>;

/** Parse a body against a schema; the first problem becomes a 400 naming the parameter. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the request body must be a JSON object');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.length > 0 ? issue.path.join('.') : null;
  const missing = issue.path.length === 1 && (body as Record<string, unknown>)[String(issue.path[0])] === undefined;
  const message = missing ? `you must provide the ${param} parameter` : param ? `invalid ${param}: ${issue.message}` : issue.message;
  throw new ApiError(400, message, 'invalid_request_error', param, missing ? 'missing_required_parameter' : 'invalid_value');
}

/** OpenAI's max_tokens default for /v1/completions. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/** The decoding of a request; `contextSize` stands for "no limit" (the engine stops at the end of the context). */
export function requestDecoding(request: CompletionRequest | ChatRequest, maxTokens: number | null | undefined, defaultMaxTokens: number): Decoding {
  const stop = request.stop === null || request.stop === undefined ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    temperature: request.temperature ?? 1,
    maxTokens: maxTokens ?? defaultMaxTokens,
    stop: stop.filter((s) => s !== ''),
    ...(request.top_p !== null && request.top_p !== undefined && request.top_p < 1 ? { topP: request.top_p } : {}),
    ...(request.seed !== null && request.seed !== undefined ? { seed: request.seed } : {}),
  };
}

/** The messages of a chat request with their text parts joined. */
export function chatMessages(request: ChatRequest): ChatMessage[] {
  return request.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('') }));
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
