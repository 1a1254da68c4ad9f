// The request store: every generation request the pipeline makes, keyed by a hash of (backend, model, api, prompt,
// decoding), in one SQLite file. An answered key is read back instead of being sent again, so a run that is stopped
// or killed resumes where it was, and a rerun with the same settings sends nothing.
//
// The file is a log: one row per outcome (an answer, or a failure after the retries), appended and committed the
// moment it arrives. A key's state is its first answer if it has one, else its latest failure; its attempts are the
// sum over its rows. Appending touches only the table's last page, about half the disk writes of a table kept in key
// order, so the commit per answer costs little; the keys are looked up in memory, read from the file when it opens.
//
// WAL mode with synchronous=NORMAL: a commit is in the operating system's hands when the call returns, so killing the
// process (even with SIGKILL) loses nothing answered; only a power cut or a kernel crash can lose the last commits,
// a trade for not waiting on the disk once per answer. The file is locked for one process at a time.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { badInput, EXIT_FAILURE, W2sError } from '../errors.js';
import type { Decoding, FailureReason, GeneratorIdentity } from '../backends/types.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  backend TEXT NOT NULL,
  model TEXT NOT NULL,
  api TEXT,
  prompt TEXT NOT NULL,
  decoding TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('answered', 'failed')),
  output TEXT,
  finish_reason TEXT,
  failure_reason TEXT,
  failure_message TEXT,
  attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
`;

// Pages of WAL between checkpoints (SQLite's default is 1,000). A checkpoint waits for the disk (fsync) and blocks the
// event loop while it does, whatever its size; with one every 10,000 pages (about 40 MB) a run stalls a few times
// rather than every few hundred answers, and the WAL file stays bounded.
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** A stored request: answered with its output, or failed with the reason of its last attempt. */
export type StoredRequest =
  | { status: 'answered'; output: string; finishReason: string | null; attempts: number }
  | { status: 'failed'; reason: FailureReason; message: string; attempts: number };

/** What a request was: enough to know what was asked, never a secret. */
export interface RequestMeta {
  key: string;
  identity: GeneratorIdentity;
  prompt: string;
  decoding: Decoding;
}

/** Where a key stands: the row that decides its state, and its attempts over all rows. */
interface KeyState {
  row: number;
  answered: boolean;
  attempts: number;
}

interface Row {
  id: number;
  key: Buffer;
  status: 'answered' | 'failed';
  output: string | null;
  finish_reason: string | null;
  failure_reason: string | null;
  failure_message: string | null;
  attempts: number;
}

/** The decoding parameters in one fixed order with absent ones as null, so equal decodings hash equally. */
function canonicalDecoding(decoding: Decoding): string {
  const { temperature, maxTokens, stop, topP, seed } = decoding;
  return JSON.stringify({ temperature, max_tokens: maxTokens, stop, top_p: topP ?? null, seed: seed ?? null });
}

/** The key of a request (hex): sha256 of backend, model, api, prompt and decoding. The base URL is not part of it. */
export function requestKey(identity: GeneratorIdentity, prompt: string, decoding: Decoding): string {
  const fields = JSON.stringify([identity.backend, identity.model, identity.api ?? null, prompt, canonicalDecoding(decoding)]);
  return createHash('sha256').update(fields).digest('hex');
}

/** The SQLite request store of a run directory. */
export class RequestStore {
  private readonly db: Database.Database;
  private readonly keys = new Map<string, KeyState>();
  private readonly byId: Database.Statement<[number], Row>;
  private readonly insert: Database.Statement;

  private constructor(readonly path: string) {
    try {
      this.db = new Database(path);
      this.db.pragma('busy_timeout = 2000');
      // The keys live in this process's memory: a second process writing the same store would not see them.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      this.db.transaction(() => this.migrate())();
    } catch (error) {
      if (error instanceof W2sError) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_BUSY') throw new W2sError('another w2s process is using this request store; wait for it or use another --out folder', { file: path }, EXIT_FAILURE);
      const storage = storageError(error, path, 'cannot open the request store');
      if (storage) throw storage;
      throw badInput(`cannot open the request store: ${(error as Error).message}`, { file: path });
    }
    this.byId = this.db.prepare('SELECT id, key, status, output, finish_reason, failure_reason, failure_message, attempts FROM requests WHERE id = ?');
    this.insert = this.db.prepare(
      `INSERT INTO requests (key, backend, model, api, prompt, decoding, status, output, finish_reason, failure_reason, failure_message, attempts, created_at)
       VALUES (@key, @backend, @model, @api, @prompt, @decoding, @status, @output, @finishReason, @reason, @message, @attempts, @now)`,
    );
    for (const row of this.db.prepare('SELECT id, key, status, attempts FROM requests ORDER BY id').iterate() as IterableIterator<Pick<Row, 'id' | 'key' | 'status' | 'attempts'>>) {
      this.remember(row.key.toString('hex'), row.id, row.status === 'answered', row.attempts);
    }
  }

  /** Open (or create) the store at `path`. */
  static open(path: string): RequestStore {
    return new RequestStore(path);
  }

  /** The stored state of a key, if it was ever asked. */
  get(key: string): StoredRequest | undefined {
    const state = this.keys.get(key);
    if (state === undefined) return undefined;
    const row = this.byId.get(state.row) as Row;
    if (state.answered) return { status: 'answered', output: row.output ?? '', finishReason: row.finish_reason, attempts: state.attempts };
    return { status: 'failed', reason: (row.failure_reason ?? 'bad-response') as FailureReason, message: row.failure_message ?? '', attempts: state.attempts };
  }

  /** Record an answer (committed before this returns); a key already answered keeps its first answer. */
  saveAnswer(meta: RequestMeta, output: string, finishReason: string | null, attempts: number): void {
    if (this.keys.get(meta.key)?.answered) return;
    this.append(meta, { status: 'answered', output, finishReason, reason: null, message: null, attempts });
  }

  /** Record a failure with its reason, unless the key is already answered. */
  saveFailure(meta: RequestMeta, reason: FailureReason, message: string, attempts: number): void {
    if (this.keys.get(meta.key)?.answered) return;
    this.append(meta, { status: 'failed', output: null, finishReason: null, reason, message, attempts });
  }

  /** How many keys are answered and how many failed. */
  counts(): { answered: number; failed: number } {
    let answered = 0;
    for (const state of this.keys.values()) if (state.answered) answered++;
    return { answered, failed: this.keys.size - answered };
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const tables = this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (version === 0 && tables.n === 0) {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } else if (version !== SCHEMA_VERSION) {
      throw badInput(`not a w2s request store of version ${SCHEMA_VERSION} (found version ${version}); use another --out folder`, { file: this.path });
    }
  }

  private append(meta: RequestMeta, outcome: Record<string, string | number | null>): void {
    let lastInsertRowid: number | bigint;
    try {
      lastInsertRowid = this.insertRow(meta, outcome);
    } catch (error) {
      // A failed insert is rolled back: the store still holds every earlier outcome, and a rerun resumes from them.
      throw storageError(error, this.path, 'cannot record an outcome in the request store (the ones before it are kept; rerun to resume)') ?? error;
    }
    this.remember(meta.key, Number(lastInsertRowid), outcome.status === 'answered', outcome.attempts as number);
  }

  private insertRow(meta: RequestMeta, outcome: Record<string, string | number | null>): number | bigint {
    return this.insert.run({
      key: Buffer.from(meta.key, 'hex'),
      backend: meta.identity.backend,
      model: meta.identity.model,
      api: meta.identity.api ?? null,
      prompt: meta.prompt,
      decoding: canonicalDecoding(meta.decoding),
      now: new Date().toISOString(),
      ...outcome,
    }).lastInsertRowid;
  }

  // A key's first answer decides it; until it has one, its latest failure does.
  private remember(key: string, row: number, answered: boolean, attempts: number): void {
    const state = this.keys.get(key);
    if (state === undefined) this.keys.set(key, { row, answered, attempts });
    else {
      state.attempts += attempts;
      if (!state.answered) {
        state.row = row;
        state.answered = answered;
      }
    }
  }
}

/** SQLite's "the disk is full" and I/O errors as one line naming the store (exit 1: the machine's fault, not the input). */
function storageError(error: unknown, path: string, what: string): W2sError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^SQLITE_(FULL|IOERR)/.test(code)) return undefined;
  const cause = code === 'SQLITE_FULL' ? 'the disk is full' : 'the disk is full or failing (a write was refused)';
  return new W2sError(`${what}: ${cause} (${code})`, { file: path }, EXIT_FAILURE);
}
