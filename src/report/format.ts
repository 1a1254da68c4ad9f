// How numbers of the report read, in every output (Markdown, CSV, HTML, terminal): one place so they all agree.
import type { Comparison, MethodResult } from '../run/results.js';

/** Shown in place of a PGR that is undefined because the ceiling does not beat the weak model. */
export const PGR_UNDEFINED = 'undefined (ceiling <= weak)';
/** Shown where a method was not part of the run. */
export const NOT_RUN = 'not run';
/** Shown where a value does not exist (e.g. an accuracy over an empty set). */
export const NO_VALUE = 'n/a';

/** A value on the 0-1 scale with three decimals. */
export function fixed3(value: number): string {
  return value.toFixed(3);
}

/** A value with three decimals and an explicit sign, so a difference reads as one. */
export function signed3(value: number): string {
  const text = value.toFixed(3);
  // -0.000 and +0.000 both mean "no difference at this precision".
  if (Number(text) === 0) return '0.000';
  return value > 0 ? `+${text}` : text;
}

/** A nullable value with three decimals. */
export function maybeFixed3(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? NO_VALUE : fixed3(value);
}

/**
 * Mean accuracy with the half-width of its 95% interval ("0.612 ± 0.021"; the bootstrap interval over seeds x test
 * questions is close to symmetric, so half its width is the ± term).
 */
export function formatAccuracy(result: MethodResult | undefined): string {
  if (result === undefined) return NOT_RUN;
  const [low, high] = result.accuracy_ci;
  return `${fixed3(result.accuracy)} ± ${fixed3((high - low) / 2)}`;
}

/** PGR as a number, or the words that say why it is undefined — never a number in that case. */
export function formatPgr(result: MethodResult | undefined): string {
  if (result === undefined) return NOT_RUN;
  return result.pgr === null ? PGR_UNDEFINED : fixed3(result.pgr);
}

/** A 95% interval of a difference, "[-0.005, +0.067]". */
export function formatInterval(ci: [number, number]): string {
  return `[${signed3(ci[0])}, ${signed3(ci[1])}]`;
}

/** In plain words: does the difference to the baseline exceed the noise after the correction, and in which direction? */
export function noiseVerdict(c: Comparison, seeds: number): string {
  if (seeds < 2) return 'cannot tell: one seed';
  if (!c.exceeds_noise) return `no: within the noise of ${c.baseline}`;
  return c.diff > 0 ? `yes: above ${c.baseline}` : `yes: below ${c.baseline}`;
}

/** A share (0-1) as a whole percentage. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
