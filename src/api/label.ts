// `w2s/label`: a weak supervisor labels a task's split under N prompt variations (docs/method.md Sec. 4.1), through
// any Generator: an object of the program's own, or one made from a backend configuration (OpenAI-compatible HTTP,
// llama.cpp, the built-in engine, the Hugging Face sidecar).
export { runLabel as label, type LabelConfig, type LabelProgress, type LabelSummary, type ParaphraseConfig } from '../label/label.js';
export {
  apiKeyFromEnv,
  createGenerator,
  BACKEND_NAMES,
  DEFAULT_API_KEY_ENV,
  type BackendConfig,
  type BackendName,
  type HfBackendConfig,
  type LocalBackendConfig,
  type OpenAIBackendConfig,
} from '../backends/create.js';
export { OpenAIGenerator, type OpenAIApi, type OpenAIOptions } from '../backends/openai.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../backends/retry.js';
export { DEFAULT_FAILURE_STOP, type FailureStopOptions } from '../label/failure-stop.js';
export {
  DEFAULT_DECODING,
  type Decoding,
  type FailureReason,
  type Generation,
  type GenerationFailure,
  type Generator,
  type GeneratorIdentity,
} from '../backends/types.js';
