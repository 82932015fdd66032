/**
 * `mtlab bench`: the benchmarks' command. It lives with the benchmarks (bench/), not in the engine, which never
 * imports bench/: bin/mtlab.js registers it with the CLI where the benchmarks are built (a checkout; not the
 * packaged app).
 */
import {
  type Command,
  flag,
  intOption,
  stringList,
  stringOption,
  UsageError,
  writeJson,
  writeLine,
} from '../engine/cli/command.js';
import { runBenchmarks } from './run.js';

const SECTIONS = ['training', 'decoding', 'real', 'store', 'ui'] as const;

const bench: Command = {
  path: ['bench'],
  usage:
    'mtlab bench [--json] [--steps N] [--rounds N] [--only training|decoding|real|store|ui ...] [--no-peer] [--variants] [--profile] [--backend B] [--model reference|large]',
  summary: 'benchmark training and decoding against PyTorch on this machine, and the experiment store at scale',
  help: [
    "The PyTorch side needs Debian's python3-torch and libopenblas0-pthread; without them mtlab's own figures are",
    'printed. With --json the last line is one JSON object with every figure. --variants also times the step without',
    "mtlab's fused kernels; --profile shows where one step's time goes, kernel by kernel. The training step is",
    'timed in --rounds alternating rounds (mtlab, PyTorch, mtlab, ...; default 3), each side at 1 thread and at',
    'all cores, and reported as the median and range of the rounds. The real-data case (--only real) trains a',
    'corpus-sized model (vocabularies 8,000/6,000, emb = hidden = 256, padded batches of 64 up to 40 tokens) on both',
    "sides on the same batches, and prints each side's peak resident memory.",
  ].join('\n'),
  options: {
    json: { type: 'boolean' },
    steps: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string', multiple: true },
    'no-peer': { type: 'boolean' },
    variants: { type: 'boolean' },
    profile: { type: 'boolean' },
    backend: { type: 'string' },
    model: { type: 'string' },
  },
  async run(args, ctx) {
    const only = stringList(args, 'only');
    for (const s of only)
      if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`--only takes ${SECTIONS.join(', ')}`);
    const backend = stringOption(args, 'backend') ?? 'auto';
    if (!['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'].includes(backend))
      throw new UsageError('--backend is auto, webgpu, wasm, cpu or tensorflow');
    const model = stringOption(args, 'model') ?? 'reference';
    if (model !== 'reference' && model !== 'large') throw new UsageError('--model is reference or large');
    const json = flag(args, 'json');
    const result = await runBenchmarks({
      steps: intOption(args, 'steps', 20),
      warmup: intOption(args, 'warmup', 3),
      rounds: intOption(args, 'rounds', 3),
      sections: new Set(only.length > 0 ? (only as (typeof SECTIONS)[number][]) : SECTIONS),
      peer: !flag(args, 'no-peer'),
      backend: backend as 'auto',
      model,
      variants: flag(args, 'variants'),
      profile: flag(args, 'profile'),
      log: (line) => writeLine(json ? ctx.stderr : ctx.stdout, line),
    });
    if (json) writeJson(ctx.stdout, result);
    return 0;
  },
};

export const benchCommands: Command[] = [bench];
