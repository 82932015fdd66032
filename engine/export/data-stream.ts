/**
 * Data exports as a stream of text chunks, so that a metric export of any size runs in bounded memory: the CLI
 * writes the chunks to stdout or a file, the HTTP server sends them as a chunked response, and the in-process
 * `exportData` (IPC) joins them. Points are read a page at a time (engine/store/metrics.ts, `pointPage`) and the
 * generator yields the event loop between pages, so a server keeps answering other requests during an export.
 *
 * The text is byte-for-byte what the former all-in-memory export produced: CSV `run,key,step,value,wall_time`, or
 * the JSON `{"runs":[{"runId":N,"metrics":{"key":[{"step","value","wallTime"},...]}}]}`.
 */
import { setImmediate as yieldEventLoop } from 'node:timers/promises';
import { csvField } from '../csv.js';
import type { Store } from '../store/store.js';

export interface DataStream {
  fileName: string;
  mimeType: string;
  /** The file's text, in chunks of roughly `chunkPoints` points each. */
  chunks: AsyncIterable<string>;
}

export interface MetricStreamOptions {
  /** Points read per page (and per chunk); default 1,024. */
  chunkPoints?: number;
  /** Called after each page is read (tests observe that output starts before the rows are all read). */
  onPage?: (pointsSoFar: number) => void;
}

// ~10-20 ms of work per page on a busy machine: short enough that other requests wait little between pages.
const DEFAULT_CHUNK_POINTS = 1024;

/** Every stored point of every metric of `runIds` (checked to exist by the caller), streamed. */
export function metricsStream(
  store: Store,
  runIds: readonly number[],
  format: 'csv' | 'json',
  base: string,
  options: MetricStreamOptions = {},
): DataStream {
  const chunkPoints = Math.max(1, Math.floor(options.chunkPoints ?? DEFAULT_CHUNK_POINTS));
  const csv = format === 'csv';
  async function* chunks(): AsyncGenerator<string> {
    let total = 0;
    yield csv ? 'run,key,step,value,wall_time\n' : '{"runs":[';
    for (const [r, runId] of runIds.entries()) {
      if (!csv) yield `${r === 0 ? '' : ','}{"runId":${runId},"metrics":{`;
      for (const [k, key] of store.metrics.keys([runId]).entries()) {
        const keyField = csv ? csvField(key) : JSON.stringify(key);
        if (!csv) yield `${k === 0 ? '' : ','}${keyField}:[`;
        let after = -Infinity;
        let first = true;
        for (;;) {
          let text = '';
          const page = store.metrics.pointPage(runId, key, after, chunkPoints, (step, value, wallTime) => {
            if (csv) text += `${runId},${keyField},${step},${value},${wallTime}\n`;
            else {
              text += `${first ? '' : ','}${JSON.stringify({ step, value, wallTime })}`;
              first = false;
            }
          });
          total += page.count;
          options.onPage?.(total);
          if (text !== '') yield text;
          if (page.count < chunkPoints) break;
          after = page.lastStep;
          // Let the event loop answer other requests between pages.
          await yieldEventLoop();
        }
        if (!csv) yield ']';
      }
      if (!csv) yield '}}';
    }
    if (!csv) yield ']}';
  }
  return csv
    ? { fileName: `${base}-metrics.csv`, mimeType: 'text/csv', chunks: chunks() }
    : { fileName: `${base}-metrics.json`, mimeType: 'application/json', chunks: chunks() };
}

/** All of a stream's text (for callers that need one string: IPC, small exports). */
export async function collect(stream: DataStream): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of stream.chunks) parts.push(chunk);
  return parts.join('');
}
