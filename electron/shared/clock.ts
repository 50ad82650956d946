/** Wall-clock source, injected everywhere time matters so tests can move it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}
