import type { MetricSeries, MetricValue } from '../api.js';
import type { SqliteDatabase } from './open.js';

export interface MetricPoint {
  key: string;
  step: number;
  value: number;
  /** Seconds since the Unix epoch. */
  wallTime: number;
}

/**
 * Metric points: appended in batched transactions, read back as bucketed series so a chart never loads more than
 * a few thousand rows whatever the run's length.
 */
export class MetricTable {
  private readonly keyIds = new Map<string, number>();
  private readonly insertKey;
  private readonly selectKey;
  private readonly insertPoint;
  private readonly upsertLatest;
  private readonly appendBatch;

  constructor(private readonly db: SqliteDatabase) {
    this.insertKey = db.prepare('INSERT INTO metric_keys (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    this.selectKey = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck();
    // A resumed run replays the steps after its checkpoint: the replayed point replaces the old one.
    this.insertPoint = db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, key_id, step, value, wall_time) VALUES (?, ?, ?, ?, ?)',
    );
    this.upsertLatest = db.prepare(`
      INSERT INTO latest_metrics (run_id, key_id, step, value, wall_time, min_value, max_value)
      VALUES (@run, @key, @step, @value, @wall, @min, @max)
      ON CONFLICT (run_id, key_id) DO UPDATE SET
        step = CASE WHEN excluded.step >= step THEN excluded.step ELSE step END,
        value = CASE WHEN excluded.step >= step THEN excluded.value ELSE value END,
        wall_time = CASE WHEN excluded.step >= step THEN excluded.wall_time ELSE wall_time END,
        min_value = min(min_value, excluded.min_value),
        max_value = max(max_value, excluded.max_value)`);
    this.appendBatch = db.transaction((runId: number, points: readonly MetricPoint[]) => {
      const summary = new Map<number, { last: MetricPoint; min: number; max: number }>();
      for (const point of points) {
        const keyId = this.keyId(point.key);
        this.insertPoint.run(runId, keyId, point.step, point.value, point.wallTime);
        const seen = summary.get(keyId);
        if (seen === undefined) summary.set(keyId, { last: point, min: point.value, max: point.value });
        else {
          if (point.step >= seen.last.step) seen.last = point;
          seen.min = Math.min(seen.min, point.value);
          seen.max = Math.max(seen.max, point.value);
        }
      }
      for (const [keyId, { last, min, max }] of summary) {
        this.upsertLatest.run({
          run: runId,
          key: keyId,
          step: last.step,
          value: last.value,
          wall: last.wallTime,
          min,
          max,
        });
      }
    });
  }

  private keyId(name: string): number {
    let id = this.keyIds.get(name);
    if (id === undefined) {
      this.insertKey.run(name);
      id = this.selectKey.get(name) as number;
      this.keyIds.set(name, id);
    }
    return id;
  }

  /** Append points for one run in a single write transaction (all or nothing). */
  append(runId: number, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    for (const point of points) {
      if (!Number.isFinite(point.step) || !Number.isInteger(point.step)) {
        throw new Error(`metric ${point.key}: step must be an integer, got ${point.step}`);
      }
    }
    this.appendBatch.immediate(runId, points);
  }

  /** Metric names logged by any of the runs. */
  keys(runIds: readonly number[]): string[] {
    if (runIds.length === 0) return [];
    const marks = runIds.map(() => '?').join(', ');
    return this.db
      .prepare(
        `SELECT DISTINCT k.name FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
         WHERE l.run_id IN (${marks}) ORDER BY k.name`,
      )
      .pluck()
      .all(...runIds) as string[];
  }

  latest(runId: number): Record<string, MetricValue> {
    const rows = this.db
      .prepare(
        `SELECT k.name, l.step, l.value, l.min_value, l.max_value, l.wall_time FROM latest_metrics l
         JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ?`,
      )
      .all(runId) as {
      name: string;
      step: number;
      value: number;
      min_value: number;
      max_value: number;
      wall_time: number;
    }[];
    const out: Record<string, MetricValue> = {};
    for (const r of rows) {
      out[r.name] = { step: r.step, value: r.value, min: r.min_value, max: r.max_value, wallTime: r.wall_time };
    }
    return out;
  }

  /** Every point of a series, in step order (for export). */
  *points(runId: number, key: string): Generator<{ step: number; value: number; wallTime: number }> {
    const keyId = this.selectKey.get(key) as number | undefined;
    if (keyId === undefined) return;
    const rows = this.db
      .prepare('SELECT step, value, wall_time AS wallTime FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step')
      .iterate(runId, keyId) as IterableIterator<{ step: number; value: number; wallTime: number }>;
    yield* rows;
  }

  /** The step at which a metric reached its best value (min or max), and that value. */
  best(runId: number, key: string, mode: 'min' | 'max'): { step: number; value: number } | null {
    const keyId = this.selectKey.get(key) as number | undefined;
    if (keyId === undefined) return null;
    const order = mode === 'min' ? 'ASC' : 'DESC';
    const row = this.db
      .prepare(`SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY value ${order}, step LIMIT 1`)
      .get(runId, keyId) as { step: number; value: number } | undefined;
    return row ?? null;
  }

  /**
   * A series reduced to at most `maxPoints` buckets of consecutive steps, in SQL: each bucket reports its first
   * and last point and its smallest and largest value, so spikes survive the reduction.
   */
  series(runId: number, key: string, maxPoints: number): MetricSeries {
    const empty: MetricSeries = {
      runId,
      key,
      total: 0,
      step: [],
      wallTime: [],
      first: [],
      last: [],
      min: [],
      max: [],
      count: [],
    };
    const keyId = this.selectKey.get(key) as number | undefined;
    if (keyId === undefined) return empty;
    const range = this.db
      .prepare('SELECT min(step) AS lo, max(step) AS hi, count(*) AS n FROM metrics WHERE run_id = ? AND key_id = ?')
      .get(runId, keyId) as { lo: number | null; hi: number | null; n: number };
    if (range.lo === null || range.hi === null) return empty;
    const buckets = Math.max(1, Math.floor(maxPoints));
    const span = range.hi - range.lo + 1;
    const rows = this.db
      .prepare(
        `WITH g AS (
           SELECT ((step - CAST(@lo AS INTEGER)) * CAST(@buckets AS INTEGER)) / CAST(@span AS INTEGER) AS b, count(*) AS n, min(step) AS s0, max(step) AS s1,
                  min(value) AS vmin, max(value) AS vmax
           FROM metrics WHERE run_id = @run AND key_id = @key GROUP BY b
         )
         SELECT g.n, g.s1, g.vmin, g.vmax, f.value AS vfirst, l.value AS vlast, l.wall_time AS wall
         FROM g
         JOIN metrics f ON f.run_id = @run AND f.key_id = @key AND f.step = g.s0
         JOIN metrics l ON l.run_id = @run AND l.key_id = @key AND l.step = g.s1
         ORDER BY g.b`,
      )
      .raw()
      .all({ lo: range.lo, buckets, span, run: runId, key: keyId }) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ][];
    const out = { ...empty, total: range.n };
    for (const [n, s1, vmin, vmax, vfirst, vlast, wall] of rows) {
      out.count.push(n);
      out.step.push(s1);
      out.min.push(vmin);
      out.max.push(vmax);
      out.first.push(vfirst);
      out.last.push(vlast);
      out.wallTime.push(wall);
    }
    return out;
  }
}
