import cliProgress from 'cli-progress';

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
        this.bar = new cliProgress.SingleBar(
          { format: `${stage.padEnd(40)} [{bar}] {value}/{total} | ETA {eta_formatted}`, stream: this.stream, hideCursor: true, etaBuffer: 20 },
          cliProgress.Presets.shades_classic,
        );
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
