/** How numbers, durations and times read in the app (the CLI's conventions: `-` for nothing). */

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** A metric value: losses with 3 decimals, scores in percent with 1, small rates in exponent form. */
export function formatMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (isPercent(key)) return `${value.toFixed(1)}%`;
  if (/(bleu|chrf)$/i.test(key)) return value.toFixed(1);
  if (/learning_?rate$/i.test(key)) return value.toExponential(1);
  if (/tokens_?per_?second$/i.test(key)) return Math.round(value).toLocaleString('en-US');
  if (/perplexity$/i.test(key)) return value.toFixed(2);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(3);
}

/** `plural(1, 'run')` → `1 run`, `plural(3, 'run')` → `3 runs`, `plural(2, 'match', 'matches')` → `2 matches`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

export function formatInteger(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return Math.round(value).toLocaleString('en-US');
}

/** 75 → `1m15s`, 4000 → `1h06m`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** An ISO time as "3 min ago" / "yesterday"; the exact time goes in a title attribute. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const seconds = (now - Date.parse(iso)) / 1000;
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  const days = Math.round(seconds / 86400);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Metrics the trainer reports in percent (accuracies, alignment agreement, alignment error rate, padding). */
export function isPercent(key: string): boolean {
  return /(accuracy|agreement|(^|\/)(aer|padding))$/i.test(key);
}

/** Short names for metric keys in headers and legends: `valid/bleu` → `BLEU`. */
export function metricLabel(key: string): string {
  const name = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
  const split = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
  const pretty: Record<string, string> = {
    bleu: 'BLEU',
    chrf: 'chrF',
    aer: 'alignment error rate',
    unknowns: '<unk> emitted',
    memory_mb: 'memory (MB)',
    tokens_per_second: 'tokens/s',
    tokensPerSecond: 'tokens/s',
    grad_norm: 'gradient norm',
  };
  // snake_case and camelCase both read as words.
  const label =
    pretty[name] ??
    name
      .replace(/_/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
  // Losses exist for both splits; scores only for validation (a test score is named as such).
  if (split !== '' && (name === 'loss' || name === 'perplexity' || split === 'test')) return `${split} ${label}`;
  return label;
}

/** Lower is better for losses, perplexity, AER and `<unk>` counts; higher for scores and accuracies. */
export function lowerIsBetter(key: string): boolean {
  return /(loss|perplexity|(^|\/)(aer|unknowns))$/i.test(key);
}
