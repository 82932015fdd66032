/** Helpers for the tests of the lab's service workers (translate, import, export off the host's event loop). */
import type { ImportDatasetRequest, TranslateRequest } from '../../engine/contract/api.js';
import type { Lab } from '../../engine/lab.js';
import type { RunningServer } from '../../engine/serve.js';

/** POST one lab call to a running server; the status and the parsed JSON answer. */
export async function post(
  server: RunningServer,
  method: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as unknown };
}

/**
 * A translation that keeps a worker busy for seconds with the tiny `copy` models of test/engine/export/tiny-runs.ts
 * on the cpu backend: long digit sentences at a wide beam (within the request limits).
 */
export function slowTranslation(runId: number, texts = 4): TranslateRequest {
  const sentence = Array.from({ length: 100 }, (_, i) => String(i % 10)).join(' ');
  return { runId, texts: Array.from({ length: texts }, () => sentence), strategy: 'beam', beamSize: 8 };
}

/**
 * Wait until one of the lab's service workers runs `method`, polling on timers (so only a host whose event loop is
 * free sees it), or until `settled` says the call already ended. The worker's pid, or null when it ended first.
 */
export async function workerRunning(lab: Lab, method: string, settled: () => boolean): Promise<number | null> {
  for (;;) {
    if (settled()) return null;
    const busy = lab.serviceWorkers.find((w) => w.method === method);
    if (busy !== undefined) return busy.pid;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A tab-separated corpus of `lines` made-up pairs: an import that takes its worker a few seconds. */
export function bigTsvImport(name: string, lines: number): ImportDatasetRequest {
  const rows: string[] = ['source\ttarget'];
  for (let i = 0; i < lines; i++) rows.push(`the cat number ${i} sleeps\tle chat numéro ${i} dort`);
  return {
    name,
    format: 'tsv',
    source: { fileName: `${name}.tsv`, content: rows.join('\n') + '\n' },
    options: { maxChars: 0 },
  };
}
