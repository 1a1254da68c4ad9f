import cliProgress from 'cli-progress';

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
      bar = new cliProgress.SingleBar(
        { format: `${stages[stage - 1] ?? `stage ${stage}`} [{bar}] {percentage}% | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1000, 0);
    }
    bar?.update(Math.round(fraction * 1000));
    if (fraction >= 1 && stage === stages.length) {
      bar?.stop();
      bar = undefined;
    }
  };
}
