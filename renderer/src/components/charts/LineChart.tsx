import { type PlotFrame, type PlotPoint, plotShapes, xOf, yOf } from './line-path';

/** Drawing box in SVG user units; the SVG is stretched to its container, strokes are not. */
const WIDTH = 300;
const HEIGHT = 80;

/** What one chart plots and how it labels it. */
export interface LineChartProps {
  title: string;
  points: readonly PlotPoint[];
  /** Time window shown, ms epoch. */
  from: number;
  to: number;
  /** Value axis; the lower end is 0 unless given. */
  max: number;
  min?: number;
  /** Readings further apart than this are not joined (a pause in telemetry is a gap). */
  maxGapMs: number;
  format: (value: number) => string;
  /** Colour variant: `line-chart-<tone>` in styles.css. */
  tone?: 'accent' | 'ok' | 'warn' | 'violet';
  testId?: string;
}

/**
 * A small time-series line chart in plain SVG: no dependency, no inline styles (the CSP forbids
 * them). Missing readings are gaps. Axis labels are HTML so they keep their size when the chart
 * stretches.
 */
export function LineChart({ title, points, from, to, max, min = 0, maxGapMs, format, tone = 'accent', testId }: LineChartProps) {
  const frame: PlotFrame = { t0: from, t1: to, v0: min, v1: max, x: 0, y: 2, width: WIDTH, height: HEIGHT - 4 };
  const { paths, dots } = plotShapes(points, frame, maxGapMs);
  const latest = [...points].reverse().find((p) => p.t <= to && p.t >= from);
  // The newest reading is always marked, so a line only seconds long is still seen at the right edge.
  const marker = latest && latest.value !== null ? { x: xOf(frame, latest.t), y: yOf(frame, latest.value) } : null;
  const latestText = latest && latest.value !== null ? format(latest.value) : 'no reading';
  const minutes = Math.round((to - from) / 60_000);
  return (
    <figure className={`line-chart line-chart-${tone}`} data-testid={testId}>
      <figcaption>
        <span>{title}</span>
        <span className="line-chart-latest">{latestText}</span>
      </figcaption>
      <div className="line-chart-plot">
        <span className="line-chart-y line-chart-y-max">{format(max)}</span>
        <span className="line-chart-y line-chart-y-min">{format(min)}</span>
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={`${title}, last ${minutes} minutes; latest ${latestText}`}>
          {[0.25, 0.5, 0.75].map((f) => (
            <line key={f} className="line-chart-grid" x1={0} x2={WIDTH} y1={frame.y + frame.height * f} y2={frame.y + frame.height * f} vectorEffect="non-scaling-stroke" />
          ))}
          {paths.map((d, i) => (
            <path key={i} className="line-chart-line" d={d} vectorEffect="non-scaling-stroke" />
          ))}
          {dots.map((dot, i) => (
            <path key={`dot-${i}`} className="line-chart-dot" d={`M${dot.x},${dot.y} l0,0`} vectorEffect="non-scaling-stroke" />
          ))}
          {marker && <path className="line-chart-marker" d={`M${marker.x},${marker.y} l0,0`} vectorEffect="non-scaling-stroke" />}
        </svg>
      </div>
      <div className="line-chart-x">
        <span>−{minutes} min</span>
        <span>now</span>
      </div>
    </figure>
  );
}
