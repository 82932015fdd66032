/**
 * The PyTorch side of `npm run bench`: runs bench/pytorch/bench.py (the same GRU + Bahdanau model as mtlab's,
 * trained and decoded the same way) with a Python that can import torch, and returns its figures.
 *
 * Python is looked for in order: $MTLAB_BENCH_PYTHON, /usr/bin/python3 (Debian's, where python3-torch installs),
 * then `python3` on PATH (often a pyenv or venv Python without torch). The script says "torch is missing" with exit
 * code 3 and a JSON line, so a Python without torch costs no torch import.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_HINT = 'apt-get install python3-torch libopenblas0-pthread';

/** What the script prints when the Python running it cannot import torch. */
const TORCH_MISSING_EXIT = 3;

export interface PeerFigures {
  threads: number;
  /** Median wall time of one training step (forward, backward, clipping, Adam). */
  msPerStep: number;
  /** Target tokens trained per second: batch · target length · 1000 / msPerStep. */
  tokensPerSecond: number;
  /** 0 in the real-data case (`batchesFile`), which does not decode. */
  greedySentencesPerSecond: number;
  beamSentencesPerSecond: number;
  /** Peak resident memory of the PyTorch process (the real-data case). */
  peakRssMB?: number;
}

export interface PeerResult {
  available: true;
  /** The Python that ran the benchmark. */
  python: string;
  torch: string;
  /** The BLAS library torch really loaded, e.g. "OpenBLAS 0.3.21 (pthread)" ("reference BLAS" is ~8x slower). */
  blas: string;
  /** The kernels OpenBLAS picked for this CPU (openblas_get_corename, e.g. "Haswell"), null where unknown. */
  blasCore: string | null;
  /** Set where OpenBLAS runs kernels older than the CPU supports (Debian's 0.3.21 picks Haswell on AVX-512). */
  blasNote: string | null;
  /** Must equal mtlab's `Seq2Seq.params.count` for the reference model: the check that both sides match. */
  parameters: number;
  /** Figures per thread count ("1", "2"). */
  threads: Record<string, PeerFigures>;
  /** The thread count with the fastest training step. */
  best: PeerFigures;
  /** The benchmark settings the script used (model sizes, batch, lengths, decoding options). */
  config: Record<string, unknown>;
  /** 1-minute load average before and after the run: other busy processes slow every figure. */
  loadAverage: { before: number; after: number; cores: number } | null;
}

export interface PeerUnavailable {
  available: false;
  reason: string;
}

export interface PeerOptions {
  /** Timed training steps per thread count (the script's default: 30). */
  steps?: number;
  /** Untimed training steps first (the script's default: 5). */
  warmupSteps?: number;
  /** Thread counts to measure (default [1, 2]). */
  threads?: number[];
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Pythons to try, in order (default: $MTLAB_BENCH_PYTHON, /usr/bin/python3, python3). */
  pythons?: string[];
  /** The script to run (default: bench/pytorch/bench.py in this repository). */
  script?: string;
  /** Each progress line the script writes on stderr. */
  onProgress?: (line: string) => void;
  /** Train on these padded batches (bench/real-data.ts batchesJson) instead of the reference batch; no decoding. */
  batchesFile?: string;
}

/** The repository root, found from this module (bench/peer.ts in sources, dist/bench/peer.js when built). */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export function defaultPeerScript(): string {
  return path.join(repositoryRoot(), 'bench', 'pytorch', 'bench.py');
}

export function defaultPythons(): string[] {
  const chosen = process.env.MTLAB_BENCH_PYTHON;
  return [...(chosen ? [chosen] : []), '/usr/bin/python3', 'python3'];
}

/** Run the PyTorch benchmark with the first Python that has torch; `available: false` says why it could not. */
export async function runPytorchPeer(options: PeerOptions = {}): Promise<PeerResult | PeerUnavailable> {
  const args: string[] = [];
  if (options.steps !== undefined) args.push('--steps', String(options.steps));
  if (options.warmupSteps !== undefined) args.push('--warmup', String(options.warmupSteps));
  if (options.threads !== undefined) args.push('--threads', options.threads.join(','));
  if (options.batchesFile !== undefined) args.push('--batches', options.batchesFile);
  const run = await runWithTorch(args, options);
  if (!run.available) return run;
  try {
    return parsePeerOutput(run.stdout, run.python, options.batchesFile === undefined);
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
}

/** The PyTorch model's parameter count alone (a second or two: no training), to check it against mtlab's. */
export async function countPytorchParameters(
  options: Pick<PeerOptions, 'timeoutMs' | 'pythons' | 'script' | 'batchesFile'> = {},
): Promise<{ available: true; python: string; parameters: number } | PeerUnavailable> {
  const extra = options.batchesFile === undefined ? [] : ['--batches', options.batchesFile];
  const run = await runWithTorch(['--count-parameters', ...extra], options);
  if (!run.available) return run;
  try {
    const report = JSON.parse(lastLines(run.stdout, 1)) as unknown;
    if (isRecord(report)) {
      return { available: true, python: run.python, parameters: positiveNumber(report, 'parameters', 'output') };
    }
  } catch {
    // reported below
  }
  return { available: false, reason: `the PyTorch parameter count (${run.python}) printed no count` };
}

/** Run the script with `args` under the first Python that can import torch. */
async function runWithTorch(
  args: string[],
  options: Pick<PeerOptions, 'timeoutMs' | 'pythons' | 'script' | 'onProgress'>,
): Promise<{ available: true; python: string; stdout: string } | PeerUnavailable> {
  const script = options.script ?? defaultPeerScript();
  if (!existsSync(script)) return { available: false, reason: `the PyTorch benchmark script ${script} is missing` };
  const timeoutMs = options.timeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  const tried: string[] = [];
  for (const python of options.pythons ?? defaultPythons()) {
    const run = await runScript(python, [script, ...args], Math.max(1, deadline - Date.now()), options.onProgress);
    if (run.kind === 'not-found') {
      tried.push(`${python}: not found`);
      continue;
    }
    if (run.kind === 'timeout') {
      return {
        available: false,
        reason: `the PyTorch benchmark (${python}) took longer than ${timeoutMs} ms: stopped`,
      };
    }
    if (run.code === TORCH_MISSING_EXIT) {
      tried.push(describeMissingTorch(python, run.stdout));
      continue;
    }
    if (run.code !== 0) {
      const detail = lastLines(run.stderr || run.stdout, 5);
      return {
        available: false,
        reason: `the PyTorch benchmark (${python}) failed with exit code ${run.code}${detail ? `: ${detail}` : ''}`,
      };
    }
    return { available: true, python, stdout: run.stdout };
  }
  return { available: false, reason: `python3-torch is not installed (${tried.join('; ')}): ${INSTALL_HINT}` };
}

type ScriptRun =
  { kind: 'exited'; code: number; stdout: string; stderr: string } | { kind: 'not-found' } | { kind: 'timeout' };

function runScript(
  python: string,
  args: string[],
  timeoutMs: number,
  onProgress: ((line: string) => void) | undefined,
): Promise<ScriptRun> {
  return new Promise((resolve) => {
    // Not detached: Ctrl-C reaches the script too. Its workers end when it does (they ask Linux for that).
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let settled = false;
    const finish = (run: ScriptRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ kind: 'timeout' });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (onProgress === undefined) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onProgress(line);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        error.code === 'ENOENT' || error.code === 'EACCES'
          ? { kind: 'not-found' }
          : { kind: 'exited', code: -1, stdout, stderr: `${stderr}${error.message}` },
      ),
    );
    child.on('close', (code: number | null) => finish({ kind: 'exited', code: code ?? -1, stdout, stderr }));
  });
}

function describeMissingTorch(python: string, stdout: string): string {
  try {
    const report = JSON.parse(lastLines(stdout, 1)) as { python?: unknown; pythonVersion?: unknown };
    const resolved = typeof report.python === 'string' && report.python !== python ? ` = ${report.python}` : '';
    const version = typeof report.pythonVersion === 'string' ? `, Python ${report.pythonVersion}` : '';
    return `${python}${resolved}${version}: no module named torch`;
  } catch {
    return `${python}: no module named torch`;
  }
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join(' | ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveNumber(record: Record<string, unknown>, field: string, where: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`the PyTorch benchmark output has no positive number ${where}.${field}`);
  }
  return value;
}

function parseFigures(value: unknown, where: string, decoding = true): PeerFigures {
  if (!isRecord(value)) throw new Error(`the PyTorch benchmark output has no ${where}`);
  const decodingRate = (field: string): number => (decoding ? positiveNumber(value, field, where) : 0);
  return {
    threads: positiveNumber(value, 'threads', where),
    msPerStep: positiveNumber(value, 'msPerStep', where),
    tokensPerSecond: positiveNumber(value, 'tokensPerSecond', where),
    greedySentencesPerSecond: decodingRate('greedySentencesPerSecond'),
    beamSentencesPerSecond: decodingRate('beamSentencesPerSecond'),
    ...(typeof value.peakRssMB === 'number' ? { peakRssMB: value.peakRssMB } : {}),
  };
}

/** Read the JSON object on the script's last stdout line; throws an Error naming what is wrong. */
export function parsePeerOutput(stdout: string, python: string, decoding = true): PeerResult {
  const line = lastLines(stdout, 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`the PyTorch benchmark did not end with a JSON line (got ${JSON.stringify(line.slice(0, 200))})`);
  }
  if (!isRecord(parsed)) throw new Error('the PyTorch benchmark output is not a JSON object');
  if (typeof parsed.error === 'string') {
    throw new Error(`the PyTorch benchmark reported ${parsed.error}: ${String(parsed.message ?? '')}`);
  }
  if (typeof parsed.torch !== 'string') throw new Error('the PyTorch benchmark output has no torch version');
  if (!isRecord(parsed.threads) || Object.keys(parsed.threads).length === 0) {
    throw new Error('the PyTorch benchmark output has no per-thread figures');
  }
  const threads: Record<string, PeerFigures> = {};
  for (const [count, figures] of Object.entries(parsed.threads)) {
    threads[count] = parseFigures(figures, `threads.${count}`, decoding);
  }
  return {
    available: true,
    python: typeof parsed.python === 'string' ? parsed.python : python,
    torch: parsed.torch,
    blas: typeof parsed.blas === 'string' ? parsed.blas : 'unknown',
    blasCore: typeof parsed.blasCore === 'string' ? parsed.blasCore : null,
    blasNote: typeof parsed.blasNote === 'string' ? parsed.blasNote : null,
    parameters: positiveNumber(parsed, 'parameters', 'output'),
    threads,
    best: parseFigures(parsed.best, 'best', decoding),
    config: isRecord(parsed.config) ? parsed.config : {},
    loadAverage: parseLoadAverage(parsed.loadAverage),
  };
}

function parseLoadAverage(value: unknown): PeerResult['loadAverage'] {
  if (!isRecord(value)) return null;
  const { before, after, cores } = value;
  return typeof before === 'number' && typeof after === 'number' && typeof cores === 'number'
    ? { before, after, cores }
    : null;
}
