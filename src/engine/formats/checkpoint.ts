import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { badInput } from '../../errors.js';
import { type LlamaConfig, parseLlamaConfig, toHfConfigJson } from '../config.js';
import { writeDirAtomically } from '../../io/atomic.js';
import { readJsonObject as readJson, writeJsonFile as writeJson } from '../../io/json-file.js';
import { checkTensorSet, paramLayout, type TensorMap } from '../params.js';
import { readSafetensors, type WritableDtype, writeSafetensors } from './safetensors.js';
import { HfTokenizer, TOKENIZER_FILE } from '../tokenizers/tokenizer.js';

/*
 * A checkpoint is a Hugging Face model folder: config.json (LlamaForCausalLM), model.safetensors (or shards listed in
 * model.safetensors.index.json) with Hugging Face parameter names, and the tokenizer files, so
 * `LlamaForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained` read what we write, and we read theirs.
 */

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** What a checkpoint folder holds. `tokenizer` is null when the folder has no tokenizer.json. */
export interface Checkpoint {
  config: LlamaConfig;
  params: TensorMap;
  tokenizer: HfTokenizer | null;
}

const TORCH_DTYPE: Record<WritableDtype, string> = { F32: 'float32', BF16: 'bfloat16' };
/** Rotary inverse frequencies are derived from the config; old exports saved them and transformers ignores them. */
const DERIVED_BUFFER = /\.rotary_emb\.inv_freq$/;

/**
 * Writes a checkpoint folder atomically (a staging folder renamed into place). Every parameter of the config must be
 * present with its shape, and nothing else. Weights are float32 unless `dtype` is BF16.
 */
export function saveCheckpoint(
  dir: string,
  config: LlamaConfig,
  params: TensorMap,
  tokenizer: HfTokenizer | null,
  options: { dtype?: WritableDtype } = {},
): void {
  const dtype = options.dtype ?? 'F32';
  checkParams(config, params, WEIGHTS_FILE);
  if (tokenizer) checkTokenizerFits(config, tokenizer, TOKENIZER_FILE);
  writeDirAtomically(dir, (staging) => {
    writeJson(join(staging, CONFIG_FILE), { ...toHfConfigJson(config), torch_dtype: TORCH_DTYPE[dtype] });
    writeJson(join(staging, GENERATION_CONFIG_FILE), generationConfig(config));
    writeSafetensors(join(staging, WEIGHTS_FILE), params, { metadata: { format: 'pt' }, dtype });
    tokenizer?.save(staging);
  });
}

/**
 * Reads a checkpoint folder: config.json, weights from model.safetensors or from the shards of
 * model.safetensors.index.json (F32, F16 or BF16, returned as float32), and the tokenizer when there is one.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  const config = readCheckpointConfig(dir);
  const { params, file } = readWeights(dir);
  for (const name of [...params.keys()]) if (DERIVED_BUFFER.test(name)) params.delete(name);
  dropTiedHead(config, params, file);
  checkParams(config, params, file);
  const tokenizer = existsSync(join(dir, TOKENIZER_FILE)) ? HfTokenizer.load(dir) : null;
  if (tokenizer) checkTokenizerFits(config, tokenizer, join(dir, TOKENIZER_FILE));
  return { config, params, tokenizer };
}

/** Every id the tokenizer can produce must have an embedding row (models may have more rows than tokens, not fewer). */
function checkTokenizerFits(config: LlamaConfig, tokenizer: HfTokenizer, file: string): void {
  if (tokenizer.vocabSize > config.vocab_size) {
    throw badInput(`tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${config.vocab_size}`, { file });
  }
}

/** Reads and validates config.json; architectures other than Llama, and Llama features the engine lacks, are errors. */
export function readCheckpointConfig(dir: string): LlamaConfig {
  const file = join(dir, CONFIG_FILE);
  const json = readJson(file);
  const modelType = json.model_type;
  if (modelType !== undefined && modelType !== 'llama') {
    throw badInput(`model_type ${JSON.stringify(modelType)} is not supported; only "llama"`, { file, field: 'model_type' });
  }
  return parseLlamaConfig(json, file);
}

function readWeights(dir: string): { params: TensorMap; file: string } {
  const single = join(dir, WEIGHTS_FILE);
  if (existsSync(single)) return { params: readSafetensors(single).tensors, file: single };
  const indexFile = join(dir, WEIGHTS_INDEX_FILE);
  if (!existsSync(indexFile)) {
    throw badInput(`no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} (only safetensors weights are read)`, { file: dir });
  }
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(readWeightMap(indexFile))) {
    byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  }
  const params: TensorMap = new Map();
  for (const [shard, names] of byShard) {
    for (const [name, tensor] of readSafetensors(join(dir, shard), names).tensors) params.set(name, tensor);
  }
  return { params, file: indexFile };
}

function readWeightMap(file: string): Record<string, string> {
  const map = readJson(file).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw badInput('must be an object of parameter name -> shard file', { file, field: 'weight_map' });
  }
  for (const [name, shard] of Object.entries(map)) {
    // Shards are files of this folder; a path elsewhere would read outside the checkpoint.
    if (typeof shard !== 'string' || shard.length === 0 || basename(shard) !== shard || shard === '..') {
      throw badInput('must name a shard file in the checkpoint folder', { file, field: `weight_map.${name}` });
    }
  }
  return map as Record<string, string>;
}

/** Exporters that untie nothing still sometimes write lm_head.weight for tied models; it must equal the embeddings. */
function dropTiedHead(config: LlamaConfig, params: TensorMap, file: string): void {
  const head = params.get('lm_head.weight');
  if (!config.tie_word_embeddings || head === undefined) return;
  const embed = params.get('model.embed_tokens.weight');
  const same = embed !== undefined && embed.data.length === head.data.length && embed.data.every((v, i) => Object.is(v, head.data[i]));
  if (!same) throw badInput('config ties word embeddings but lm_head.weight differs from model.embed_tokens.weight', { file, field: 'lm_head.weight' });
  params.delete('lm_head.weight');
}

/** Every parameter of the config's layout is present with its exact shape, and there is nothing else. */
function checkParams(config: LlamaConfig, params: TensorMap, file: string): void {
  const expected = new Map(paramLayout(config).entries.map((e) => [e.name, e.shape]));
  checkTensorSet(params, expected, (field) => ({ file, field }), { extra: 'parameter is not part of this model config', missing: 'parameter missing', shapeOf: "the config's" });
}

function generationConfig(config: LlamaConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    _from_model_config: true,
    bos_token_id: config.bos_token_id,
    eos_token_id: config.eos_token_id,
  };
  if (config.pad_token_id !== undefined && config.pad_token_id !== null) json.pad_token_id = config.pad_token_id;
  return json;
}
