// Progress of cells that overlap (experiment.ts): a cell's strong jobs may still run while the next cell's weak stages
// do, and one stage bar cannot show both. The oldest unfinished cell is shown; a later cell's progress is held and its
// latest stage shown when it becomes the oldest. Cells that run one after another are shown as they go.
import type { ExperimentEvents } from './experiment.js';

interface Latest {
  stage: string;
  done: number;
  total: number;
}

export class CellProgress {
  /** Unfinished cells, oldest first, with the latest progress each reported. */
  private readonly cells: { latest: Latest | null }[] = [];

  constructor(private readonly events: ExperimentEvents) {}

  /** A new cell, after every earlier one: its progress sink, and `finish` to call when it is done (or failed). */
  open(): { events: ExperimentEvents; finish: () => void } {
    const cell: { latest: Latest | null } = { latest: null };
    this.cells.push(cell);
    const events: ExperimentEvents = {
      progress: (stage, done, total) => {
        cell.latest = { stage, done, total };
        if (this.cells[0] === cell) this.events.progress(stage, done, total);
      },
    };
    const finish = (): void => {
      const i = this.cells.indexOf(cell);
      if (i < 0) return;
      this.cells.splice(i, 1);
      const front = this.cells[0];
      if (i === 0 && front?.latest) this.events.progress(front.latest.stage, front.latest.done, front.latest.total);
    };
    return { events, finish };
  }
}
