import { afterEach, beforeEach, vi } from 'vitest';

/** What the code under test wrote on stdout and stderr during the current test (a test may clear them midway). */
export interface CapturedStdio {
  stdout: string;
  stderr: string;
}

/**
 * Captures process.stdout and process.stderr writes during every test of the calling file (and restores every mock
 * and stubbed variable after each): CLI commands run in process print there.
 */
export function captureStdio(): CapturedStdio {
  const captured = { stdout: '', stderr: '' };
  beforeEach(() => {
    captured.stdout = '';
    captured.stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((captured.stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((captured.stderr += String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return captured;
}
