import type { MetricSeries, MetricValue } from '../contract/api.js';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './open.js';
import { setOwn } from '../keys.js';

/** Rollup cells hold 16, 256, 4,096 steps (2^(4·level)). */
const ROLLUP_BITS = 4;
const ROLLUP_LEVELS = 3;
const ROLLUP_BASE = 2 ** ROLLUP_BITS;

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
  private readonly refreshCell;
  private readonly readCells;
  private readonly firstStep;
  private readonly lastStep;
  private readonly countFromRollups;
  private readonly countPoints;

  constructor(
    private readonly db: SqliteDatabase,
    /** Runs a write (retrying it while another process holds the lock, where the store says so). */
    private readonly write: <T>(what: string, write: () => T) => T = (_what, write) => write(),
  ) {
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
    this.refreshCell = db.prepare(`
      INSERT OR REPLACE INTO metric_rollups
        (run_id, key_id, level, cell, n, first_step, last_step, first_value, last_value, min_value, max_value, last_wall)
      SELECT @run, @key, @level, @cell, count(*), min(step), max(step),
        (SELECT value FROM metrics WHERE run_id = @run AND key_id = @key AND step BETWEEN @lo AND @hi ORDER BY step LIMIT 1),
        (SELECT value FROM metrics WHERE run_id = @run AND key_id = @key AND step BETWEEN @lo AND @hi ORDER BY step DESC LIMIT 1),
        min(value), max(value),
        (SELECT wall_time FROM metrics WHERE run_id = @run AND key_id = @key AND step BETWEEN @lo AND @hi ORDER BY step DESC LIMIT 1)
      FROM metrics WHERE run_id = @run AND key_id = @key AND step BETWEEN @lo AND @hi
      HAVING count(*) > 0`);
    this.readCells = db
      .prepare(
        `SELECT first_step, last_step, n, first_value, last_value, min_value, max_value, last_wall FROM metric_rollups
         WHERE run_id = ? AND key_id = ? AND level = ? ORDER BY cell`,
      )
      .raw();
    this.firstStep = db.prepare('SELECT min(step) FROM metrics WHERE run_id = ? AND key_id = ?').pluck();
    this.lastStep = db.prepare('SELECT max(step) FROM metrics WHERE run_id = ? AND key_id = ?').pluck();
    this.countFromRollups = db
      .prepare(`SELECT sum(n) FROM metric_rollups WHERE run_id = ? AND key_id = ? AND level = ${ROLLUP_LEVELS}`)
      .pluck();
    this.countPoints = db.prepare('SELECT count(*) FROM metrics WHERE run_id = ? AND key_id = ?').pluck();
    this.appendBatch = db.transaction((runId: number, points: readonly MetricPoint[]) => {
      const summary = new Map<number, { last: MetricPoint; min: number; max: number }>();
      const touched = new Map<number, Set<number>>();
      for (const point of points) {
        const keyId = this.keyId(point.key);
        this.insertPoint.run(runId, keyId, point.step, point.value, point.wallTime);
        let cells = touched.get(keyId);
        if (cells === undefined) touched.set(keyId, (cells = new Set()));
        cells.add(Math.floor(point.step / ROLLUP_BASE));
        const seen = summary.get(keyId);
        if (seen === undefined) summary.set(keyId, { last: point, min: point.value, max: point.value });
        else {
          if (point.step >= seen.last.step) seen.last = point;
          seen.min = Math.min(seen.min, point.value);
          seen.max = Math.max(seen.max, point.value);
        }
      }
      for (const [keyId, cells] of touched) this.refreshRollups(runId, keyId, cells);
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

  /** Recompute the summaries of every rollup cell that contains one of the level-1 `cells`. */
  private refreshRollups(runId: number, keyId: number, level1Cells: ReadonlySet<number>): void {
    for (let level = 1; level <= ROLLUP_LEVELS; level++) {
      const shift = ROLLUP_BITS * (level - 1);
      const cells = new Set([...level1Cells].map((c) => Math.floor(c / 2 ** shift)));
      for (const cell of cells) {
        const size = 2 ** (ROLLUP_BITS * level);
        this.refreshCell.run({ run: runId, key: keyId, level, cell, lo: cell * size, hi: (cell + 1) * size - 1 });
      }
    }
  }

  /** Rebuild every rollup of a run (after points were written without `append`, e.g. by a bulk import). */
  rebuildRollups(runId: number): void {
    const rows = this.db
      .prepare('SELECT key_id AS key, min(step) AS lo, max(step) AS hi FROM metrics WHERE run_id = ? GROUP BY key_id')
      .all(runId) as { key: number; lo: number; hi: number }[];
    this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM metric_rollups WHERE run_id = ?').run(runId);
        for (const { key, lo, hi } of rows) {
          const cells = new Set<number>();
          for (let c = Math.floor(lo / ROLLUP_BASE); c <= Math.floor(hi / ROLLUP_BASE); c++) cells.add(c);
          this.refreshRollups(runId, key, cells);
        }
      })
      .immediate();
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
    this.write(`record ${points.length} metric points of run ${runId}`, () => {
      try {
        this.appendBatch.immediate(runId, points);
      } catch (error) {
        // Rolled back: key ids first inserted by this batch may no longer exist.
        this.keyIds.clear();
        throw error;
      }
    });
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
      setOwn(out, r.name, { step: r.step, value: r.value, min: r.min_value, max: r.max_value, wallTime: r.wall_time });
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

  /**
   * Up to `limit` points of a series after step `afterStep`, in step order, read with `.iterate()` and handed to
   * `each` one at a time (no array of rows). Streaming exports read a page, then yield the event loop: the
   * statement is finished before they do, so the connection stays free for other requests. Returns how many
   * points were read and the last step (the next page starts after it).
   */
  pointPage(
    runId: number,
    key: string,
    afterStep: number,
    limit: number,
    each: (step: number, value: number, wallTime: number) => void,
  ): { count: number; lastStep: number } {
    const keyId = this.selectKey.get(key) as number | undefined;
    if (keyId === undefined) return { count: 0, lastStep: afterStep };
    this.selectPage ??= this.db
      .prepare(
        `SELECT step, value, wall_time FROM metrics WHERE run_id = ? AND key_id = ? AND step > ?
         ORDER BY step LIMIT ?`,
      )
      .raw();
    let count = 0;
    let lastStep = afterStep;
    for (const row of this.selectPage.iterate(runId, keyId, afterStep, limit) as IterableIterator<
      [number, number, number]
    >) {
      each(row[0], row[1], row[2]);
      lastStep = row[0];
      count++;
    }
    return { count, lastStep };
  }

  private selectPage: Statement | undefined;

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

  /** Each cell goes whole into the bucket of its first step; buckets report their extremes, first and last. */
  private seriesFromRollups(
    empty: MetricSeries,
    keyId: number,
    level: number,
    lo: number,
    span: number,
    buckets: number,
    total: number,
  ): MetricSeries {
    const out = { ...empty, total };
    let current = -1;
    for (const row of this.readCells.all(empty.runId, keyId, level) as number[][]) {
      const [firstStep, lastStep, n, firstValue, lastValue, minValue, maxValue, wall] = row as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const bucket = Math.floor(((firstStep - lo) * buckets) / span);
      if (bucket !== current) {
        current = bucket;
        out.first.push(firstValue);
        out.min.push(minValue);
        out.max.push(maxValue);
        out.count.push(n);
        out.step.push(lastStep);
        out.last.push(lastValue);
        out.wallTime.push(wall);
      } else {
        const i = out.step.length - 1;
        out.min[i] = Math.min(out.min[i]!, minValue);
        out.max[i] = Math.max(out.max[i]!, maxValue);
        out.count[i]! += n;
        out.step[i] = lastStep;
        out.last[i] = lastValue;
        out.wallTime[i] = wall;
      }
    }
    return out;
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
    // Each of min() and max() alone is one index seek; counting comes from the coarsest rollup cells.
    const lo = this.firstStep.get(runId, keyId) as number | null;
    const hi = this.lastStep.get(runId, keyId) as number | null;
    if (lo === null || hi === null) return empty;
    const counted = this.countFromRollups.get(runId, keyId) as number | null;
    const range = { lo, hi, n: counted ?? (this.countPoints.get(runId, keyId) as number) };
    const buckets = Math.max(1, Math.floor(maxPoints));
    const span = range.hi - range.lo + 1;
    // Wide buckets: re-bucket precomputed cells (none wider than a bucket, so every bucket gets one) instead of
    // every point.
    for (let level = ROLLUP_LEVELS; level >= 1; level--) {
      if (2 ** (ROLLUP_BITS * level) <= span / buckets) {
        return this.seriesFromRollups(empty, keyId, level, range.lo, span, buckets, range.n);
      }
    }
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
