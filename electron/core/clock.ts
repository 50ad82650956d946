import type { Clock } from '../shared/clock';

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
