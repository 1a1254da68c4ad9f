// The backends by name: one configuration type per backend, one function that makes the Generator.
import { badInput } from '../errors.js';
import { loadOptional, NODE_LLAMA_CPP } from '../optional.js';
import { BuiltinGenerator } from './builtin-generator.js';
import { OpenAIGenerator, type OpenAIApi } from './openai.js';
import type { RetryPolicy } from './retry.js';
import type { Generator } from './types.js';

// The names live with the types, which the CLI's declarations import without loading any backend.
export { BACKEND_NAMES, DEFAULT_API_KEY_ENV, type BackendName } from './types.js';

/** How to reach an OpenAI-compatible server. The key itself is never part of a configuration: only its variable's name. */
export interface OpenAIBackendConfig {
  backend: 'openai';
  model: string;
  baseUrls: string[];
  api: OpenAIApi;
  /** The environment variable the API key is read from. */
  apiKeyEnv: string;
  /** The variable was named on purpose: its absence is bad input (else no key is sent, as local servers need none). */
  apiKeyRequired?: boolean;
  concurrency: number;
  timeoutMs: number;
  retry: RetryPolicy;
  jitterSeed: number;
}

/** A local backend: a GGUF file run by node-llama-cpp, or a checkpoint folder run by the built-in engine. */
export interface LocalBackendConfig {
  backend: 'llamacpp' | 'builtin';
  /** The .gguf file (llamacpp) or the checkpoint folder (builtin). */
  model: string;
  /** builtin: a PEFT adapter folder on top of the checkpoint. */
  adapter?: string;
  concurrency: number;
  /** llamacpp: CPU threads per evaluation (default: all cores). */
  threads?: number;
}

/** A model run by PyTorch + transformers in the Hugging Face sidecar (python/w2s_hf). */
export interface HfBackendConfig {
  backend: 'hf';
  /** A checkpoint folder, a hub id or a preset name (llama2-7b, llama2-13b, mistral-7b, llama3-8b). */
  model: string;
  /** A PEFT adapter folder on top of the model. */
  adapter?: string;
  /** The sidecar's batch size: requests in flight at most. */
  concurrency: number;
  /** The Python interpreter (default: $W2S_PYTHON, else .venv-hf, else python3). */
  python?: string;
  /** auto: bf16 on a GPU that supports it, else fp32. */
  precision?: 'auto' | 'fp32' | 'bf16';
  /** Render prompts with the model's chat template (default: on for instruct presets only). */
  chatTemplate?: boolean;
}

/** A backend's configuration, by its `backend` name: what {@link createGenerator} builds a Generator from. */
export type BackendConfig = OpenAIBackendConfig | LocalBackendConfig | HfBackendConfig;

/**
 * The API key from the variable `name`: undefined when it is unset or empty (local servers need no key), unless the
 * variable was named on purpose (`required`), which makes its absence bad input.
 */
export function apiKeyFromEnv(name: string, required: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]?.trim();
  if (value) return value;
  if (required) throw badInput(`the environment variable ${name} holds no API key`, { field: '--api-key-env' });
  return undefined;
}

/** Make the Generator a configuration describes (local backends load their model first). */
export async function createGenerator(config: BackendConfig, apiKey?: string): Promise<Generator> {
  switch (config.backend) {
    case 'openai':
      return new OpenAIGenerator({
        baseUrls: config.baseUrls,
        model: config.model,
        api: config.api,
        apiKey,
        concurrency: config.concurrency,
        timeoutMs: config.timeoutMs,
        retry: config.retry,
        jitterSeed: config.jitterSeed,
      });
    case 'llamacpp': {
      // Imported on demand: node-llama-cpp is an optional peer dependency (src/optional.ts), and loading it takes a
      // quarter of a second that other commands need not pay.
      await loadOptional(NODE_LLAMA_CPP);
      const { LlamaCppGenerator } = await import('./llamacpp.js');
      return LlamaCppGenerator.open({ modelPath: config.model, concurrency: config.concurrency, ...(config.threads !== undefined ? { threads: config.threads } : {}) });
    }
    case 'builtin':
      return BuiltinGenerator.open(
        { checkpoint: config.model, ...(config.adapter !== undefined ? { adapter: config.adapter } : {}) },
        { name: config.adapter === undefined ? config.model : `${config.model}+${config.adapter}`, concurrency: config.concurrency },
      );
    case 'hf': {
      // Imported on demand, as llama.cpp is: only runs that use the sidecar need its client.
      const { HfGenerator } = await import('./hf/generator.js');
      return HfGenerator.open({
        model: config.model,
        batchSize: config.concurrency,
        ...(config.adapter !== undefined ? { adapter: config.adapter } : {}),
        ...(config.python !== undefined ? { python: config.python } : {}),
        ...(config.precision !== undefined ? { precision: config.precision } : {}),
        ...(config.chatTemplate !== undefined ? { chatTemplate: config.chatTemplate } : {}),
      });
    }
  }
}
