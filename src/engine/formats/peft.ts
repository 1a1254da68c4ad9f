import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { badInput } from '../../errors.js';
import { writeDirAtomically } from '../../io/atomic.js';
import type { LlamaConfig } from '../config.js';
import { readJsonObject, writeJsonFile } from '../../io/json-file.js';
import { LORA_TARGETS, type LoraConfig, type LoraTarget, targetShape } from '../lora.js';
import { checkTensorSet, type TensorMap } from '../params.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/*
 * LoRA adapters as PEFT saves them: adapter_config.json plus adapter_model.safetensors whose keys are the wrapped
 * model's parameter paths with the adapter name removed, e.g.
 * base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight (r, in) and ...lora_B.weight (out, r).
 * `PeftModel.from_pretrained` reads what we write; we read PEFT's LoRA adapters for the Llama projections. The LoRA
 * settings themselves are lora.ts's LoraConfig; this file maps them to and from PEFT's files.
 */

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** An adapter as PEFT files hold it: the LoRA settings, the base model it was trained on, A and B under PEFT names. */
export interface PeftAdapter {
  config: LoraConfig;
  baseModel: string | null;
  params: TensorMap;
}

const target = z.enum(LORA_TARGETS);
const emptyRecord = z.record(z.string(), z.unknown()).refine((r) => Object.keys(r).length === 0, 'per-module overrides are not supported');

/** adapter_config.json: PEFT's fields and defaults; variants of LoRA the engine does not implement are rejected. */
const adapterConfigSchema = z.object({
  peft_type: z.literal('LORA', { message: 'only LORA adapters are supported' }),
  task_type: z.literal('CAUSAL_LM', { message: 'only CAUSAL_LM adapters are supported' }).nullish(),
  r: z.number().int().positive().default(8),
  lora_alpha: z.number().positive().default(8),
  lora_dropout: z.number().min(0).lt(1).default(0),
  target_modules: z.array(target, { message: 'must be a list of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj' }).min(1),
  base_model_name_or_path: z.string().nullish(),
  bias: z.literal('none', { message: 'LoRA biases are not supported' }).default('none'),
  fan_in_fan_out: z.literal(false, { message: 'fan_in_fan_out layers are not supported' }).default(false),
  use_rslora: z.literal(false, { message: 'rank-stabilised scaling is not supported' }).default(false),
  use_dora: z.literal(false, { message: 'DoRA is not supported' }).default(false),
  modules_to_save: z.array(z.string()).max(0, 'modules_to_save is not supported').nullish(),
  layers_to_transform: z.null({ message: 'layers_to_transform is not supported' }).nullish(),
  rank_pattern: emptyRecord.nullish(),
  alpha_pattern: emptyRecord.nullish(),
});

/** The PEFT key of one LoRA matrix: A is (r, in), B is (out, r). */
export function peftParamName(layer: number, target: LoraTarget, matrix: 'A' | 'B'): string {
  const block = target === 'gate_proj' || target === 'up_proj' || target === 'down_proj' ? 'mlp' : 'self_attn';
  return `base_model.model.model.layers.${layer}.${block}.${target}.lora_${matrix}.weight`;
}

/** Every LoRA tensor an adapter of `lora` on a `model` has, with its shape. */
export function loraParamShapes(model: LlamaConfig, lora: LoraConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (let layer = 0; layer < model.num_hidden_layers; layer++) {
    for (const target of lora.targetModules) {
      const { inF, outF } = targetShape(model, target);
      shapes.set(peftParamName(layer, target, 'A'), [lora.r, inF]);
      shapes.set(peftParamName(layer, target, 'B'), [outF, lora.r]);
    }
  }
  return shapes;
}

/** Writes adapter_config.json and adapter_model.safetensors (float32) atomically; tensors are checked against `model`. */
export function saveAdapter(dir: string, adapter: PeftAdapter, model: LlamaConfig): void {
  checkAdapterParams(adapter.params, loraParamShapes(model, adapter.config), ADAPTER_WEIGHTS_FILE);
  writeDirAtomically(dir, (staging) => {
    writeJsonFile(join(staging, ADAPTER_CONFIG_FILE), adapterConfigJson(adapter.config, adapter.baseModel));
    writeSafetensors(join(staging, ADAPTER_WEIGHTS_FILE), adapter.params, { metadata: { format: 'pt' } });
  });
}

/** Reads a PEFT LoRA adapter folder; its tensors must be exactly those of its config on `model`. */
export function loadAdapter(dir: string, model: LlamaConfig): PeftAdapter {
  const configFile = join(dir, ADAPTER_CONFIG_FILE);
  const { config, baseModel } = parseAdapterConfig(readJsonObject(configFile), configFile);
  const weightsFile = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(weightsFile)) throw badInput('file not found (only safetensors adapters are read)', { file: weightsFile });
  const { tensors } = readSafetensors(weightsFile);
  checkAdapterParams(tensors, loraParamShapes(model, config), weightsFile);
  return { config, baseModel, params: tensors };
}

/** Validates the fields of an adapter_config.json object. */
export function parseAdapterConfig(json: unknown, file: string): { config: LoraConfig; baseModel: string | null } {
  const parsed = adapterConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
    throw badInput(issue?.message ?? 'invalid adapter config', field === undefined ? { file } : { file, field });
  }
  const c = parsed.data;
  return {
    config: { r: c.r, alpha: c.lora_alpha, dropout: c.lora_dropout, targetModules: [...new Set(c.target_modules)] },
    baseModel: c.base_model_name_or_path ?? null,
  };
}

/**
 * The adapter_config.json PEFT writes for a LoRA on a causal LM, limited to fields PEFT 0.7 knows: it passes every
 * field to its config class and fails on unknown ones, and newer releases default the fields left out the same way.
 */
function adapterConfigJson(config: LoraConfig, baseModel: string | null): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: config.r,
    lora_alpha: config.alpha,
    lora_dropout: config.dropout,
    target_modules: config.targetModules,
    bias: 'none',
    fan_in_fan_out: false,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    init_lora_weights: true,
    inference_mode: true,
    revision: null,
  };
}

function checkAdapterParams(params: TensorMap, expected: Map<string, number[]>, file: string): void {
  checkTensorSet(params, expected, (field) => ({ file, field }), {
    extra: 'tensor is not a LoRA matrix of this adapter config and model',
    missing: 'LoRA tensor missing',
    shapeOf: 'the expected',
  });
}
