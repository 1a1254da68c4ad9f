import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/backends/hf/python.js';
import { RUN_CONFIG_SCHEMA_PATH, runConfigJsonSchemaText } from '../../src/run/config-schema.js';
import { parseRunConfig } from '../../src/run/config.js';

const shippedText = readFileSync(join(PACKAGE_ROOT, RUN_CONFIG_SCHEMA_PATH), 'utf8');
const schema = JSON.parse(shippedText) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const examples = readdirSync(join(PACKAGE_ROOT, 'examples')).filter((name) => name.endsWith('.yaml'));

describe("the run config's JSON Schema", () => {
  it('is shipped exactly as the zod schema generates it now (npm run build writes it)', () => {
    expect(shippedText).toBe(runConfigJsonSchemaText());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it.each(examples)('accepts the shipped example %s, as w2s run does', (name) => {
    const config = parseYaml(readFileSync(join(PACKAGE_ROOT, 'examples', name), 'utf8')) as unknown;
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseRunConfig(config)).not.toThrow();
  });

  it('has the shipped examples to check, each pointing editors at the schema', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const name of examples) {
      const text = readFileSync(join(PACKAGE_ROOT, 'examples', name), 'utf8');
      const pointer = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
      expect(pointer && join(PACKAGE_ROOT, 'examples', pointer), name).toBe(join(PACKAGE_ROOT, RUN_CONFIG_SCHEMA_PATH));
    }
  });

  it('accepts an empty file, the defaults and the SFT overrides in snake_case', () => {
    for (const config of [{}, { suite: 'quick', seeds: 2, weak_sft: { learning_rate: 0.001, warmup_steps: 0 }, strong_sft: { batch_size: 8, epochs: 2 } }]) {
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it.each([
    ['an unknown engine', { engine: 'tpu' }, '/engine', 'enum'],
    ['an unknown key', { engnie: 'hf' }, '', 'additionalProperties'],
    ['an unknown key inside hf', { hf: { acelerate: 'multi-gpu' } }, '/hf', 'additionalProperties'],
    ['an SFT key in camelCase', { weak_sft: { learningRate: 0.01 } }, '/weak_sft', 'additionalProperties'],
    ['a fractional seed count', { seeds: 1.5 }, '/seeds', 'type'],
    ['seeds beyond the limit', { seeds: 31 }, '/seeds', 'maximum'],
    ['a temperature of 0', { temperature: 0 }, '/temperature', 'exclusiveMinimum'],
    ['variations for an unknown task', { variations: { squad: 3 } }, '/variations', 'propertyNames'],
    ['an empty task list', { tasks: [] }, '/tasks', 'minItems'],
  ])('rejects %s, as w2s run does', (_what, config, path, keyword) => {
    expect(validate(config)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: path, keyword }));
    expect(() => parseRunConfig(config)).toThrow();
  });
});
