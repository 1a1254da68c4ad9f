import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

describe('w2s CLI', () => {
  it('exits 2 on an unknown command', async () => {
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'w2s', 'no-such-command'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
  });
});
