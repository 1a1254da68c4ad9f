// `w2s/engine`: the built-in causal LM as a library: load a Hugging Face checkpoint folder (with a PEFT adapter),
// fine-tune it on weighted SFT rows (docs/method.md Eq. 1 and 5), generate, serve it as a Generator, export it as GGUF.
export { generateTexts, loadModel, trainSft, type EngineDecoding, type LoadedModel } from '../backends/builtin.js';
export { BuiltinGenerator, type BuiltinGeneratorOptions } from '../backends/builtin-generator.js';
export type { ModelRef, SftOutcome, SftSettings, TrainProgress } from '../backends/types.js';
export type { Schedule, StepInfo } from '../engine/train.js';
export { LORA_TARGETS, PAPER_LORA, type LoraConfig, type LoraTarget } from '../engine/lora.js';
export { exportGguf, type GgufExportOptions, type GgufExportSummary } from '../engine/formats/gguf-export.js';
