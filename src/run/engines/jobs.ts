// A pool of worker threads for the experiment's independent jobs (a strong model per method): train, then generate
// the test answers. With one worker per core the strong models of a cell train side by side.
import { Worker } from 'node:worker_threads';
import type { EngineDecoding, ModelRef, SftSettings } from '../../backends/builtin.js';
import type { SftRow } from '../../core/types.js';

export interface JobRequest {
  id: number;
  model: ModelRef;
  train?: { rows: SftRow[]; settings: SftSettings; outDir: string };
  generate?: { prompts: string[]; decoding: EngineDecoding };
}

export type JobResponse =
  | { id: number; ok: true; model: ModelRef; outputs: string[]; trainSeconds: number; trainSteps: number; seconds: number }
  | { id: number; ok: false; error: string };

export type JobResult = Extract<JobResponse, { ok: true }>;

interface Pending {
  request: JobRequest;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
}

export class JobPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./job-worker.js', import.meta.url));
      worker.on('message', (response: JobResponse) => this.settle(worker, response));
      worker.on('error', (error) => this.fail(worker, error));
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  /** Queue a job; resolves when a worker has done it. */
  run(job: Omit<JobRequest, 'id'>): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...job, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const job = this.queue.shift() as Pending;
      this.running.set(worker, job);
      worker.postMessage(job.request);
    }
  }

  private settle(worker: Worker, response: JobResponse): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    if (job) {
      if (response.ok) job.resolve(response);
      else job.reject(new Error(`job failed in a worker: ${response.error}`));
    }
    this.dispatch();
  }

  private fail(worker: Worker, error: Error): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    job?.reject(error);
  }
}
