import { describe, expect, it } from 'vitest';
import { type PlotFrame, maxValue, plotShapes, xOf, yOf } from '../../../../../renderer/src/components/charts/line-path';

const frame: PlotFrame = { t0: 0, t1: 100, v0: 0, v1: 10, x: 0, y: 0, width: 100, height: 10 };

describe('plotShapes', () => {
  it('maps time to x and value to y, larger values higher', () => {
    expect(xOf(frame, 25)).toBe(25);
    expect(yOf(frame, 10)).toBe(0);
    expect(yOf(frame, 0)).toBe(10);
    // Out of range values stay inside the box.
    expect(yOf(frame, 50)).toBe(0);
    expect(yOf(frame, -5)).toBe(10);
  });

  it('joins consecutive readings into one path', () => {
    const shapes = plotShapes(
      [
        { t: 0, value: 0 },
        { t: 10, value: 5 },
        { t: 20, value: 10 },
      ],
      frame,
      15,
    );
    expect(shapes.paths).toEqual(['M0,10 L10,5 L20,0']);
    expect(shapes.dots).toEqual([]);
  });

  it('breaks the line at a null: a missing reading is a gap, never a zero', () => {
    const shapes = plotShapes(
      [
        { t: 0, value: 4 },
        { t: 10, value: 4 },
        { t: 20, value: null },
        { t: 30, value: 6 },
        { t: 40, value: 6 },
      ],
      frame,
      15,
    );
    expect(shapes.paths).toEqual(['M0,6 L10,6', 'M30,4 L40,4']);
    expect(shapes.paths.join(' ')).not.toContain(',10');
  });

  it('breaks the line where readings stop for longer than the gap limit', () => {
    const shapes = plotShapes(
      [
        { t: 0, value: 1 },
        { t: 10, value: 1 },
        { t: 60, value: 1 },
        { t: 70, value: 1 },
      ],
      frame,
      15,
    );
    expect(shapes.paths).toHaveLength(2);
  });

  it('draws a lone reading as a dot and leaves out points outside the window', () => {
    const shapes = plotShapes(
      [
        { t: -50, value: 3 },
        { t: 50, value: null },
        { t: 60, value: 3 },
        { t: 70, value: null },
        { t: 150, value: 3 },
      ],
      frame,
      15,
    );
    expect(shapes.paths).toEqual([]);
    expect(shapes.dots).toEqual([{ x: 60, y: 7 }]);
  });

  it('finds the largest reading, ignoring gaps', () => {
    expect(maxValue([{ t: 0, value: null }, { t: 1, value: 3 }, { t: 2, value: 7 }])).toBe(7);
    expect(maxValue([{ t: 0, value: null }])).toBeUndefined();
  });
});
