#!/usr/bin/env node
// Writes schema/run-config.schema.json, the run config's JSON Schema, from the compiled zod schema (dist/run): part of
// `npm run build` (after tsc), so the shipped file always matches the code; test/run/config-schema.test.ts checks it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { RUN_CONFIG_SCHEMA_PATH, runConfigJsonSchemaText } = await import('../dist/run/config-schema.js');
const out = join(root, RUN_CONFIG_SCHEMA_PATH);
mkdirSync(dirname(out), { recursive: true });
const temp = `${out}.tmp-${process.pid}`;
writeFileSync(temp, runConfigJsonSchemaText());
renameSync(temp, out);
