// Progress on the terminal for the long commands: every bar goes to stderr, and only when it is a terminal (logs and
// pipes stay clean). `newBar` builds them all; the rest say what each command's bar shows.
import cliProgress from 'cli-progress';
import type { DownloadProgress } from '../hub/download.js';
import type { LabelProgress } from '../label/types.js';

/**
 * The one way a bar is made here: on `stream`, cursor hidden while it draws, the classic shading. `etaBuffer` is how
 * many recent updates the ETA averages over (more for many small steps).
 */
export function newBar(format: string, stream: NodeJS.WriteStream, etaBuffer?: number): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ format, stream, hideCursor: true, ...(etaBuffer !== undefined ? { etaBuffer } : {}) }, cliProgress.Presets.shades_classic);
}

/**
 * A progress callback for multi-pass work: one bar per stage on stderr when it is a terminal, silent otherwise
 * (logs and pipes stay clean). Stages are numbered from 1 in the order given.
 */
export function progressReporter(stages: readonly string[]): ((stage: number, fraction: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  let current = 0;
  return (stage, fraction) => {
    if (stage !== current) {
      bar?.stop();
      current = stage;
      bar = newBar(`${stages[stage - 1] ?? `stage ${stage}`} [{bar}] {percentage}% | ETA {eta_formatted}`, process.stderr);
      bar.start(1000, 0);
    }
    bar?.update(Math.round(fraction * 1000));
    if (fraction >= 1 && stage === stages.length) {
      bar?.stop();
      bar = undefined;
    }
  };
}

/**
 * Stage progress for long runs: on a terminal, one bar with an ETA for the stage in progress and a line for each
 * finished stage; elsewhere (logs, CI), one line per stage start so the output stays readable.
 */
export class StageProgress {
  private bar: cliProgress.SingleBar | undefined;
  private stage: string | undefined;
  private readonly started = performance.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(stage: string, done: number, total: number): void {
    if (stage !== this.stage) {
      this.finish();
      this.stage = stage;
      if (this.stream.isTTY) {
        this.bar = newBar(`${stage.padEnd(40)} [{bar}] {value}/{total} | ETA {eta_formatted}`, this.stream, 20);
        this.bar.start(Math.max(1, total), done);
      } else {
        this.stream.write(`[${this.elapsed()}] ${stage}\n`);
      }
      return;
    }
    this.bar?.setTotal(Math.max(1, total));
    this.bar?.update(done);
  }

  /** Close the current stage's bar, leaving a one-line record of it. */
  finish(): void {
    if (this.bar !== undefined && this.stage !== undefined) {
      this.bar.stop();
      this.bar = undefined;
    }
    this.stage = undefined;
  }

  private elapsed(): string {
    const s = Math.round((performance.now() - this.started) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
}

/** A bar per stage on stderr when it is a terminal (requests done, rate, ETA, cache hits, retries, failures). */
export function labelProgressBar(stream: NodeJS.WriteStream = process.stderr): { update: (p: LabelProgress) => void; stop: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  let stage: LabelProgress['stage'] | undefined;
  let startedAt = 0;
  let startDone = 0;
  return {
    update(p) {
      if (p.stage !== stage) {
        bar?.stop();
        stage = p.stage;
        startedAt = performance.now();
        startDone = p.done;
        bar = newBar(
          `${p.stage === 'label' ? 'labels' : 'paraphrases'} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | from store {hits} | retries {retries} | failed {failures}`,
          stream,
          200,
        );
        bar.start(p.total, p.done, { rate: '0', hits: 0, retries: 0, failures: 0 });
      }
      const seconds = (performance.now() - startedAt) / 1000;
      bar?.update(p.done, {
        rate: seconds > 0 ? ((p.done - startDone) / seconds).toFixed(1) : '0',
        hits: p.tally.cache_hits,
        retries: p.tally.retries,
        failures: p.tally.failures,
      });
    },
    stop() {
      bar?.stop();
    },
  };
}

/** A byte progress bar per file (size, rate, ETA) on `stream` when it is a terminal; nothing otherwise. */
export function byteProgress(stream: NodeJS.WriteStream = process.stderr): DownloadProgress | undefined {
  if (!stream.isTTY) return undefined;
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = 0;
  let base = 0;
  let value = 0;
  let total: number | undefined;
  const payload = () => {
    const seconds = (Date.now() - startedAt) / 1000;
    return {
      got: formatBytes(value),
      size: total === undefined ? '?' : formatBytes(total),
      rate: `${formatBytes(seconds > 0 ? (value - base) / seconds : 0)}/s`,
    };
  };
  return {
    start(label, size, done) {
      total = size;
      startedAt = Date.now();
      base = value = done;
      const format =
        size === undefined
          ? `${label} {got} | {rate}`
          : `${label} [{bar}] {percentage}% | {got} / {size} | {rate} | ETA {eta_formatted}`;
      bar = newBar(format, stream);
      bar.start(size ?? 0, done, payload());
    },
    advance(bytes) {
      value += bytes;
      bar?.update(value, payload());
    },
    stop() {
      bar?.update(value, payload());
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Bytes in binary units with one decimal, as download tools print them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = bytes;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(scaled)} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}
