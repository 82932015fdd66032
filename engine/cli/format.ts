/** Terminal output: aligned tables, durations, numbers, progress bars. */

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

/** Width of a string in terminal cells (no wide-character handling beyond code points). */
function cells(text: string): number {
  return [...text].length;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const matrix = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(cells(c.header), ...matrix.map((r) => cells(r[i]!))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - cells(text));
    return columns[i]!.align === 'right' ? fill + text : text + fill;
  };
  const lines = [
    columns
      .map((c, i) => pad(c.header, i))
      .join('  ')
      .trimEnd(),
  ];
  for (const r of matrix)
    lines.push(
      r
        .map((v, i) => pad(v, i))
        .join('  ')
        .trimEnd(),
    );
  return lines.join('\n');
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toFixed(digits);
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export { csvField } from '../csv.js';

/**
 * A one-line progress bar for a terminal: `[#####.....] 50% step 500/1000 loss 1.234 1,234 tok/s ETA 1m05s`.
 * Redraws at most every `intervalMs`; `done()` leaves the final line in place.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastLength = 0;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly enabled: boolean,
    private readonly intervalMs = 200,
  ) {}

  update(fraction: number, text: string, force = false): void {
    if (!this.enabled) return;
    const t = Date.now();
    if (!force && t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    const width = 24;
    const clamped = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(clamped * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}% ${text}`;
    const padding = ' '.repeat(Math.max(0, this.lastLength - line.length));
    this.stream.write(`\r${line}${padding}`);
    this.lastLength = line.length;
  }

  done(): void {
    if (this.enabled && this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
  }
}
