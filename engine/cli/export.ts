/** `mtlab export` (a run's model as a bundle folder) and `mtlab export-data` (metrics, attention, comparisons). */
import type { EventEmitter } from 'node:events';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExportDataRequest } from '../contract/api.js';
import { LabError } from '../errors.js';
import { type Command, flag, runIdArg, stringOption, UsageError, writeJson, writeLine } from './command.js';
import { formatCount } from './format.js';
import { withLab } from './store-commands.js';

const exportModel: Command = {
  path: ['export'],
  usage: 'mtlab export RUN --out DIR [--format tfjs|onnx] [--checkpoint best|last] [--force] [--json] [--db PATH]',
  summary: "write a run's trained model as a self-describing bundle folder, or as ONNX graphs (--format onnx)",
  help: [
    'The bundle holds the model config, tokenizers, vocabularies, input normalisation, decoding settings, where the',
    'model came from and its metrics (model.json), the weights as TensorFlow.js shards with their SHA-256, and a',
    'README.md model card. Translate with it: mtlab translate --model DIR TEXT, or in a web page with',
    'dist/runtime/mtlab-runtime.js. The best checkpoint unless --checkpoint last (or the run has no best yet).',
    '--format onnx writes encoder.onnx and decoder_step.onnx (for any ONNX runtime: Python, C++, C#, Java, mobile),',
    'mtlab-onnx.json (vocabularies, tokenizers, normalisation, how to drive the graphs), translate.py and',
    'translate.mjs (greedy translators in Python and Node) and a README.md model card. mtlab translate --model DIR',
    'runs it too, through ONNX Runtime where onnxruntime-node is installed.',
    'A folder that already has files is refused unless --force.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    checkpoint: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    if (args.positionals.length > 1) throw new UsageError(`one RUN at a time, got ${args.positionals.join(' ')}`);
    const format = stringOption(args, 'format') ?? 'tfjs';
    if (format !== 'tfjs' && format !== 'onnx') throw new UsageError(`--format is tfjs or onnx, got "${format}"`);
    const runId = runIdArg(args.positionals[0]);
    const outDir = stringOption(args, 'out');
    if (outDir === undefined || outDir.trim() === '') throw new UsageError('missing --out DIR (the folder to write)');
    const checkpoint = stringOption(args, 'checkpoint');
    if (checkpoint !== undefined && checkpoint !== 'best' && checkpoint !== 'last')
      throw new UsageError('--checkpoint is best or last');
    const result = await withLab(args, ctx, (lab) =>
      lab.exportModel({
        runId,
        outDir,
        ...(format === 'onnx' ? { format } : {}),
        ...(checkpoint === undefined ? {} : { checkpoint }),
        ...(flag(args, 'force') ? { force: true } : {}),
      }),
    );
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, result);
      return 0;
    }
    const manifestFile = format === 'onnx' ? 'mtlab-onnx.json' : 'model.json';
    const manifest = JSON.parse(await readFile(path.join(result.path, manifestFile), 'utf8')) as {
      checkpoint: { tag: string; step: number };
    };
    writeLine(
      ctx.stdout,
      `Exported run ${runId} (${manifest.checkpoint.tag} checkpoint, step ${manifest.checkpoint.step}) to ${result.path}`,
    );
    writeLine(ctx.stdout, `  ${result.files.join(', ')}: ${formatCount(result.bytes)} bytes`);
    writeLine(ctx.stdout, `Translate with: mtlab translate --model ${JSON.stringify(result.path)} "TEXT"`);
    if (format === 'onnx') {
      writeLine(ctx.stdout, `  or: python ${JSON.stringify(path.join(result.path, 'translate.py'))} "TEXT"`);
    }
    return 0;
  },
};

function idList(raw: string, option: string): number[] {
  const ids = raw.split(',').map((part) => part.trim());
  if (ids.length === 0 || ids.some((id) => !/^#?\d+$/.test(id)))
    throw new UsageError(`--${option} takes run ids separated by commas (e.g. 3,4,7), got "${raw}"`);
  return ids.map((id) => Number(id.replace('#', '')));
}

function experimentIdArg(raw: string): number {
  if (!/^#?\d+$/.test(raw.trim()))
    throw new UsageError(`--experiment takes an experiment id (see \`mtlab experiment ls\`), got "${raw}"`);
  return Number(raw.trim().replace('#', ''));
}

const exportData: Command = {
  path: ['export-data'],
  usage:
    'mtlab export-data --what metrics|attention|comparison --format csv|json (--runs ID,... | --experiment ID) [--out FILE] [--json] [--db PATH]',
  summary: 'export metric series (every point), attention matrices or a comparison as CSV or JSON',
  help: [
    'metrics: every stored point of every metric of the runs (CSV: run,key,step,value,wall_time; JSON by run and key).',
    'attention: every recorded attention matrix of the runs (JSON). comparison: the runs side by side (CSV or JSON).',
    'Writes to stdout unless --out FILE; with --out, --json prints what was written.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    what: { type: 'string' },
    format: { type: 'string' },
    runs: { type: 'string' },
    experiment: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const what = stringOption(args, 'what');
    if (what !== 'metrics' && what !== 'attention' && what !== 'comparison')
      throw new UsageError('--what is metrics, attention or comparison');
    const format = stringOption(args, 'format') ?? (what === 'attention' ? 'json' : undefined);
    if (format !== 'csv' && format !== 'json') throw new UsageError('--format is csv or json');
    if (what === 'attention' && format === 'csv')
      throw new UsageError('attention matrices export as JSON only (--format json)');
    const runs = stringOption(args, 'runs');
    const experiment = stringOption(args, 'experiment');
    if ((runs === undefined) === (experiment === undefined))
      throw new UsageError('give one of --runs ID,... and --experiment ID');
    const request: ExportDataRequest = {
      what,
      format,
      ...(runs === undefined ? {} : { runIds: idList(runs, 'runs') }),
      ...(experiment === undefined ? {} : { experimentId: experimentIdArg(experiment) }),
    };
    const out = stringOption(args, 'out');
    const file = out === undefined ? null : path.resolve(out);
    // Streamed: the text is written as it is read from the store, never held whole (a run can have millions of
    // points). A file is written beside its destination and renamed once complete.
    const written = await withLab(args, ctx, async (lab) => {
      const stream = lab.exportDataStream(request);
      if (file === null) {
        let last = '';
        for await (const chunk of stream.chunks) {
          await writeChunk(ctx.stdout, chunk);
          if (chunk !== '') last = chunk;
        }
        if (!last.endsWith('\n')) await writeChunk(ctx.stdout, '\n');
        return { bytes: 0, mimeType: stream.mimeType };
      }
      const partial = `${file}.partial-${process.pid}`;
      let bytes = 0;
      try {
        const sink = createWriteStream(partial, { encoding: 'utf8' });
        const opened = once(sink, 'open');
        const failed = once(sink, 'error').then(([error]) => Promise.reject(error as Error));
        await Promise.race([opened, failed]);
        for await (const chunk of stream.chunks) {
          bytes += Buffer.byteLength(chunk);
          await Promise.race([writeChunk(sink, chunk), failed]);
        }
        sink.end();
        await Promise.race([once(sink, 'finish'), failed]);
        await rename(partial, file);
      } catch (error) {
        await rm(partial, { force: true });
        if (error instanceof LabError) throw error;
        throw new LabError('invalid-request', `cannot write ${file}: ${(error as Error).message}`, { field: 'out' });
      }
      return { bytes, mimeType: stream.mimeType };
    });
    if (file === null) return 0;
    const { bytes, mimeType } = written;
    if (flag(args, 'json')) writeJson(ctx.stdout, { path: file, bytes, mimeType });
    else writeLine(ctx.stdout, `Wrote ${file} (${formatCount(bytes)} bytes, ${mimeType})`);
    return 0;
  },
};

/** Write one chunk, waiting for the stream to drain when its buffer is full (bounded memory). */
async function writeChunk(sink: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!sink.write(chunk)) await once(sink as unknown as EventEmitter, 'drain');
}

export const exportCommands: Command[] = [exportModel, exportData];
