import { describe, expect, it } from 'vitest';
import { CellProgress } from '../../src/run/cell-progress.js';

describe('the progress of overlapping cells', () => {
  it("shows the oldest unfinished cell; a later cell's latest stage appears when it becomes the oldest", () => {
    const shown: string[] = [];
    const progress = new CellProgress({ progress: (stage, done, total) => shown.push(`${stage} ${done}/${total}`) });
    const a = progress.open();
    a.events.progress('a: weak SFT', 0, 1);
    a.events.progress('a: strong SFT', 0, 2);
    const b = progress.open();
    b.events.progress('b: weak SFT', 0, 1);
    a.events.progress('a: strong SFT', 1, 2);
    b.events.progress('b: strong SFT', 0, 2);
    const c = progress.open();
    c.events.progress('c: weak SFT', 0, 1);
    a.events.progress('a: strong SFT', 2, 2);
    a.finish();
    b.events.progress('b: strong SFT', 1, 2);
    // c finishes (fails) before b: nothing is shown for it, and b stays on the line.
    c.finish();
    b.events.progress('b: strong SFT', 2, 2);
    b.finish();
    expect(shown).toEqual(['a: weak SFT 0/1', 'a: strong SFT 0/2', 'a: strong SFT 1/2', 'a: strong SFT 2/2', 'b: strong SFT 0/2', 'b: strong SFT 1/2', 'b: strong SFT 2/2']);
  });

  it('shows every event of cells that run one after another', () => {
    const shown: string[] = [];
    const progress = new CellProgress({ progress: (stage) => shown.push(stage) });
    for (const name of ['a', 'b']) {
      const cell = progress.open();
      cell.events.progress(`${name}: weak SFT`, 0, 1);
      cell.events.progress(`${name}: strong SFT`, 0, 1);
      cell.finish();
      cell.finish();
    }
    expect(shown).toEqual(['a: weak SFT', 'a: strong SFT', 'b: weak SFT', 'b: strong SFT']);
  });
});
