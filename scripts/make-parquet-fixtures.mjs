#!/usr/bin/env node
// Regenerates the parquet fixtures from the JSON Lines fixtures beside them, with the column names and types of the
// Hugging Face hub's files (strings as UTF8 byte arrays, lists as 3-level LIST groups, MMLU `answer` and ETHICS
// `label` as INT64, HellaSwag `ind` as INT32), so the parquet reader is tested on the shape the hub serves.
// Usage: node scripts/make-parquet-fixtures.mjs   (from the repository root)
import { readFileSync, writeFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';

const string = (name) => ({ name, schema: [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }] });
const int32 = (name) => ({ name, schema: [{ name, type: 'INT32', repetition_type: 'OPTIONAL' }] });
const int64 = (name) => ({ name, schema: [{ name, type: 'INT64', repetition_type: 'OPTIONAL' }], convert: (v) => BigInt(v) });
const bool = (name) => ({ name, schema: [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }] });
const stringList = (name) => ({
  name,
  schema: [
    { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  ],
});

const HELLASWAG = [
  int32('ind'), string('activity_label'), string('ctx_a'), string('ctx_b'), string('ctx'), stringList('endings'),
  string('source_id'), string('split'), string('split_type'), string('label'),
];
const MMLU = [string('question'), string('subject'), stringList('choices'), int64('answer')];
const ETHICS = [int64('label'), string('input'), bool('is_short'), bool('edited')];
const GSM8K = [string('question'), string('answer')];

// [JSON Lines source, parquet target (named as on the hub), columns]
const FIXTURES = [
  ['hellaswag/hf/train.jsonl', 'hellaswag/hf/train-00000-of-00001.parquet', HELLASWAG],
  ['hellaswag/hf/validation.jsonl', 'hellaswag/hf/validation-00000-of-00001.parquet', HELLASWAG],
  ['mmlu/hf/all/dev.jsonl', 'mmlu/hf/all/dev-00000-of-00001.parquet', MMLU],
  ['mmlu/hf/all/validation.jsonl', 'mmlu/hf/all/validation-00000-of-00001.parquet', MMLU],
  ['mmlu/hf/all/test.jsonl', 'mmlu/hf/all/test-00000-of-00001.parquet', MMLU],
  ['ethics/hf/commonsense/validation.jsonl', 'ethics/hf/commonsense/ethics-validation.parquet', ETHICS],
  ['gsm8k/original/train.jsonl', 'gsm8k/hf/main/train-00000-of-00001.parquet', GSM8K],
  ['gsm8k/original/test.jsonl', 'gsm8k/hf/main/test-00000-of-00001.parquet', GSM8K],
];

for (const [source, target, columns] of FIXTURES) {
  const rows = readFileSync(`fixtures/${source}`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  const buffer = parquetWriteBuffer({
    columnData: columns.map(({ name, convert }) => ({ name, data: rows.map((row) => (convert ? convert(row[name]) : row[name])) })),
    schema: [{ name: 'schema', num_children: columns.length }, ...columns.flatMap((column) => column.schema)],
  });
  writeFileSync(`fixtures/${target}`, Buffer.from(buffer));
  console.log(`fixtures/${target}: ${rows.length} rows`);
}
