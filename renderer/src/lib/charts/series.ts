/** Turning metric series into what a chart draws: smoothing, a common x axis, and the x axis itself. */
import type { MetricSeries } from '../../../../engine/contract/api.js';

export interface ChartLine {
  label: string;
  colour: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Drawn thin and see-through: the raw values behind a smoothed line. */
  faint?: boolean;
  dashed?: boolean;
  /** Shown in the legend (false for the faint raw copies). */
  inLegend?: boolean;
}

/**
 * TensorBoard's smoothing: an exponential moving average with debiasing, so the start of the curve is not pulled
 * towards zero. `weight` 0 = raw, 0.99 = very smooth.
 */
export function smooth(values: ArrayLike<number>, weight: number): number[] {
  const out = new Array<number>(values.length);
  if (weight <= 0) {
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    return out;
  }
  let last = 0;
  let debias = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) {
      out[i] = value;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    debias = debias * weight + (1 - weight);
    out[i] = last / debias;
  }
  return out;
}

export type XAxis = 'step' | 'time';

/** The x values of a series: steps, or seconds since the run's first point. */
export function xValues(series: MetricSeries, axis: XAxis): number[] {
  if (axis === 'step') return series.step;
  const start = series.wallTime[0] ?? 0;
  return series.wallTime.map((t) => t - start);
}

/**
 * uPlot draws series over one shared x array. Lines logged at different steps are joined on the union of their x
 * values, with gaps (null) where a line has no point; lines that share their x values skip the join.
 */
export function alignLines(lines: readonly ChartLine[]): [number[], ...(number | null)[][]] {
  if (lines.length === 0) return [[]];
  const first = lines[0]!.x;
  const shared = lines.every((line) => {
    if (line.x.length !== first.length) return false;
    for (let i = 0; i < first.length; i++) if (line.x[i] !== first[i]) return false;
    return true;
  });
  if (shared) {
    return [Array.from(first), ...lines.map((line) => Array.from(line.y, (v) => (Number.isFinite(v) ? v : null)))];
  }
  let total = 0;
  for (const line of lines) total += line.x.length;
  const all = new Float64Array(total);
  let offset = 0;
  for (const line of lines) for (let i = 0; i < line.x.length; i++) all[offset++] = line.x[i]!;
  all.sort();
  const xs: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) xs.push(all[i]!);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const ys = lines.map((line) => {
    const column = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < line.x.length; i++) {
      const value = line.y[i]!;
      column[index.get(line.x[i]!)!] = Number.isFinite(value) ? value : null;
    }
    return column;
  });
  return [xs, ...ys];
}

/** A smoothed line and, behind it, the raw one (when smoothing is on). */
export function linesFor(
  series: MetricSeries,
  options: { label: string; colour: string; axis: XAxis; smoothing: number; dashed?: boolean; showRaw?: boolean },
): ChartLine[] {
  const x = xValues(series, options.axis);
  // Validation series have few points: smoothing them would hide what was measured.
  const smoothable = options.smoothing > 0 && series.step.length > 20;
  const main: ChartLine = {
    label: options.label,
    colour: options.colour,
    x,
    y: smoothable ? smooth(series.last, options.smoothing) : series.last,
    dashed: options.dashed,
  };
  if (!smoothable || options.showRaw === false) return [main];
  return [
    { label: `${options.label} (raw)`, colour: options.colour, x, y: series.last, faint: true, inLegend: false },
    main,
  ];
}
