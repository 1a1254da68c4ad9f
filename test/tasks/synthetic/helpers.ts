// A small world for the synthetic suite's tests: every role populated, arithmetic up to 10, half the facts weak.
import { type World, type WorldConfig, buildWorld } from '../../../src/tasks/synthetic/world.js';

export const SMALL_WORLD: WorldConfig = { entities: { train: 12, val: 12, test: 24, practice: 12 }, situations: 4, maxOperand: 10, weakFactShare: 0.5 };

export function smallWorld(seed = 7): World {
  return buildWorld(seed, SMALL_WORLD);
}
