import { z } from 'zod';
import { badInput } from '../errors.js';

/**
 * The shape of a Llama-family decoder, with Hugging Face `LlamaConfig` field names so a `config.json` maps onto it
 * one to one. The engine implements exactly what these fields describe; features it does not implement (biases,
 * rope scaling, other activations) are rejected when a config is parsed rather than silently ignored.
 */
export interface LlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  /** Grouped-query attention: each key/value head serves num_attention_heads / num_key_value_heads query heads. */
  num_key_value_heads: number;
  /** Per-head width; Hugging Face defaults it to hidden_size / num_attention_heads. */
  head_dim: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  tie_word_embeddings: boolean;
  /** Standard deviation of the normal initialisation of linear and embedding weights. */
  initializer_range: number;
  bos_token_id: number | null;
  /** Some checkpoints (Llama 3) list several end-of-sequence tokens. */
  eos_token_id: number | number[] | null;
  pad_token_id?: number | null;
}

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

/**
 * Validation and defaults in one place. Defaults are Hugging Face's `LlamaConfig` defaults, so a `config.json` that
 * omits a field means what it means to `transformers`.
 */
export const llamaConfigSchema = z
  .object({
    vocab_size: positiveInt.default(32000),
    hidden_size: positiveInt.default(4096),
    intermediate_size: positiveInt.default(11008),
    num_hidden_layers: positiveInt.default(32),
    num_attention_heads: positiveInt.default(32),
    num_key_value_heads: positiveInt.nullish(),
    head_dim: positiveInt.nullish(),
    max_position_embeddings: positiveInt.default(2048),
    rms_norm_eps: z.number().positive().default(1e-6),
    rope_theta: z.number().positive().default(10000),
    tie_word_embeddings: z.boolean().default(false),
    initializer_range: z.number().nonnegative().default(0.02),
    bos_token_id: tokenId.nullable().default(1),
    eos_token_id: z.union([tokenId, z.array(tokenId).min(1)]).nullable().default(2),
    pad_token_id: tokenId.nullish(),
    hidden_act: z.literal('silu', { message: 'only "silu" (SwiGLU) is implemented' }).default('silu'),
    attention_bias: z.literal(false, { message: 'attention biases are not implemented' }).default(false),
    mlp_bias: z.literal(false, { message: 'MLP biases are not implemented' }).default(false),
    rope_scaling: z.null({ message: 'rope scaling is not implemented; only plain rotary embeddings' }).nullish(),
  })
  .transform((c, ctx): LlamaConfig => {
    const numKv = c.num_key_value_heads ?? c.num_attention_heads;
    if (c.num_attention_heads % numKv !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_key_value_heads'],
        message: `must divide num_attention_heads (${c.num_attention_heads}), got ${numKv}`,
      });
    }
    const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
    if (!Number.isInteger(headDim)) {
      ctx.addIssue({
        code: 'custom',
        path: ['num_attention_heads'],
        message: `must divide hidden_size (${c.hidden_size}) when head_dim is not given`,
      });
    } else if (headDim % 2 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['head_dim'], message: `rotary embeddings need an even head_dim, got ${headDim}` });
    }
    const tokenFields: [string, number | number[] | null | undefined][] = [
      ['bos_token_id', c.bos_token_id],
      ['eos_token_id', c.eos_token_id],
      ['pad_token_id', c.pad_token_id],
    ];
    for (const [field, value] of tokenFields) {
      const ids = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
      if (ids.some((id) => id >= c.vocab_size)) {
        ctx.addIssue({ code: 'custom', path: [field], message: `token ids must be below vocab_size (${c.vocab_size})` });
      }
    }
    const config: LlamaConfig = {
      vocab_size: c.vocab_size,
      hidden_size: c.hidden_size,
      intermediate_size: c.intermediate_size,
      num_hidden_layers: c.num_hidden_layers,
      num_attention_heads: c.num_attention_heads,
      num_key_value_heads: numKv,
      head_dim: headDim,
      max_position_embeddings: c.max_position_embeddings,
      rms_norm_eps: c.rms_norm_eps,
      rope_theta: c.rope_theta,
      tie_word_embeddings: c.tie_word_embeddings,
      initializer_range: c.initializer_range,
      bos_token_id: c.bos_token_id,
      eos_token_id: c.eos_token_id,
    };
    if (c.pad_token_id !== undefined) config.pad_token_id = c.pad_token_id;
    return config;
  });

/** Input accepted by {@link parseLlamaConfig}: the fields of a `config.json`, any of them omitted. */
export type LlamaConfigInput = z.input<typeof llamaConfigSchema>;

/**
 * Parses the fields of a Hugging Face `config.json` (extra fields are ignored) into a complete, validated config.
 * Bad or unsupported values throw a W2sError naming `file` and the field.
 */
export function parseLlamaConfig(json: unknown, file?: string): LlamaConfig {
  const parsed = llamaConfigSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const location: { file?: string; field?: string } = {};
  if (file !== undefined) location.file = file;
  if (field !== undefined) location.field = field;
  throw badInput(issue?.message ?? 'invalid model config', location);
}

/** The Hugging Face `config.json` object for a config (what `LlamaForCausalLM.from_pretrained` expects). */
export function toHfConfigJson(config: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    rope_scaling: null,
    torch_dtype: 'float32',
    ...config,
    pad_token_id: config.pad_token_id ?? null,
  };
}

/** The end-of-sequence token ids of a config, as a list (possibly empty). */
export function eosTokenIds(config: LlamaConfig): number[] {
  const eos = config.eos_token_id;
  if (eos === null) return [];
  return Array.isArray(eos) ? [...eos] : [eos];
}

/** The sizes every layer derives from a config: widths, heads, and W, the width of the fused q|k|v projection. */
export interface ModelDims {
  C: number;
  I: number;
  V: number;
  Hq: number;
  Hkv: number;
  hd: number;
  Dq: number;
  Dkv: number;
  W: number;
}

export function modelDims(config: LlamaConfig): ModelDims {
  const hd = config.head_dim;
  const Dq = config.num_attention_heads * hd;
  const Dkv = config.num_key_value_heads * hd;
  return {
    C: config.hidden_size,
    I: config.intermediate_size,
    V: config.vocab_size,
    Hq: config.num_attention_heads,
    Hkv: config.num_key_value_heads,
    hd,
    Dq,
    Dkv,
    W: Dq + 2 * Dkv,
  };
}

/** Number of query heads that share one key/value head. */
export function groupSize(config: LlamaConfig): number {
  return config.num_attention_heads / config.num_key_value_heads;
}
