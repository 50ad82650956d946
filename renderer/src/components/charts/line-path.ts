/**
 * Geometry of a line chart: SVG path data from time/value points, broken wherever a value is
 * missing or the readings stop for longer than `maxGapMs` (a lost connection, a stalled probe),
 * so a gap is drawn as a gap and never as a slope to zero. Pure, for tests.
 */

/** A point to plot; `value` null is a gap. */
export interface PlotPoint {
  t: number;
  value: number | null;
}

/** Maps the data domain onto the chart's drawing box. */
export interface PlotFrame {
  t0: number;
  t1: number;
  v0: number;
  v1: number;
  /** Drawing box in SVG user units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What to draw: one path per unbroken run, and lone points (runs of one) as dots. */
export interface PlotShapes {
  paths: string[];
  dots: { x: number; y: number }[];
}

const clamp = (value: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, value));
const round = (value: number): number => Math.round(value * 100) / 100;

/** X coordinate of time `t` in `frame`. */
export function xOf(frame: PlotFrame, t: number): number {
  const span = frame.t1 - frame.t0 || 1;
  return round(frame.x + ((t - frame.t0) / span) * frame.width);
}

/** Y coordinate of `value` in `frame` (up is larger), clamped to the box. */
export function yOf(frame: PlotFrame, value: number): number {
  const span = frame.v1 - frame.v0 || 1;
  return round(frame.y + frame.height - clamp((value - frame.v0) / span, 0, 1) * frame.height);
}

/** Paths and dots for `points` (oldest first); points outside [t0, t1] are left out. */
export function plotShapes(points: readonly PlotPoint[], frame: PlotFrame, maxGapMs: number): PlotShapes {
  const runs: { x: number; y: number }[][] = [];
  let run: { x: number; y: number }[] = [];
  let lastT: number | undefined;
  for (const point of points) {
    if (point.t < frame.t0 || point.t > frame.t1) continue;
    const isGap = point.value === null || !Number.isFinite(point.value) || (lastT !== undefined && point.t - lastT > maxGapMs);
    if (isGap && run.length > 0) {
      runs.push(run);
      run = [];
    }
    if (point.value !== null && Number.isFinite(point.value)) {
      run.push({ x: xOf(frame, point.t), y: yOf(frame, point.value) });
      lastT = point.t;
    } else {
      lastT = undefined;
    }
  }
  if (run.length > 0) runs.push(run);
  return {
    paths: runs.filter((r) => r.length > 1).map((r) => r.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x},${p.y}`).join(' ')),
    dots: runs.filter((r) => r.length === 1).map((r) => r[0]!),
  };
}

/** Largest non-null value, or undefined when there is none. */
export function maxValue(points: readonly PlotPoint[]): number | undefined {
  let max: number | undefined;
  for (const p of points) if (p.value !== null && Number.isFinite(p.value) && (max === undefined || p.value > max)) max = p.value;
  return max;
}
