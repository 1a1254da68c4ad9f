// Runs a command as a child process and samples its peak resident memory (Linux VmHWM, which covers all its threads).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

function highWaterMiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0; // the process has just exited
  }
}

/** Run `command args` and resolve with its exit code, wall seconds and peak RSS (MiB); stdio is inherited. */
export function runMeasured(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, highWaterMiB(child.pid))), 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, seconds: (performance.now() - start) / 1000, peakRssMiB: peak });
    });
  });
}
