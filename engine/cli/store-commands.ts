import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../contract/api.js';
import { describeKernelSet } from '../backend/kernel-set.js';
import { Lab } from '../lab.js';
import { setOwn } from '../keys.js';
import { canWriteStore } from '../store/open.js';
import { resolveStorePath, Store } from '../store/store.js';
import {
  type Command,
  type CommandContext,
  type ParsedArgs,
  flag,
  runIdArg,
  stringList,
  stringOption,
  UsageError,
  writeJson,
  writeLine,
} from './command.js';
import { csvField, formatDuration, formatNumber, formatTable } from './format.js';

/** Open the lab on the store chosen by `--db` / `MTLAB_DB` / `./experiments.db`. */
export function openLab(args: ParsedArgs, ctx: CommandContext): Lab {
  return Lab.open(resolveStorePath(stringOption(args, 'db'), ctx.env));
}

/**
 * Run `fn` with the lab. `readOnly` commands (they only read) open a store this user cannot write read-only, rather
 * than fail; the others need to write.
 */
export async function withLab<T>(
  args: ParsedArgs,
  ctx: CommandContext,
  fn: (lab: Lab) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const file = resolveStorePath(stringOption(args, 'db'), ctx.env);
  const lab =
    options.readOnly === true && !canWriteStore(file)
      ? new Lab(Store.open(file, { readonly: true }))
      : openLab(args, ctx);
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

function progressText(run: RunSummary): string {
  const { step, totalSteps } = run.progress;
  return totalSteps > 0 ? `${step}/${totalSteps}` : String(step);
}

export function runsTable(runs: readonly RunSummary[]): string {
  return formatTable(runs, [
    { header: 'ID', value: (r) => String(r.id), align: 'right' },
    { header: 'NAME', value: (r) => r.name },
    { header: 'ARCHITECTURE', value: (r) => r.architecture },
    { header: 'DATASET', value: (r) => r.dataset },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'STEP', value: progressText, align: 'right' },
    { header: 'LOSS', value: (r) => formatNumber(r.lastLoss, 3), align: 'right' },
    { header: 'BLEU', value: (r) => formatNumber(r.bestBleu, 1), align: 'right' },
    { header: 'BACKEND', value: (r) => r.backend ?? '-' },
    { header: 'TIME', value: (r) => formatDuration(r.durationSeconds), align: 'right' },
  ]);
}

const runs: Command = {
  path: ['runs'],
  usage: 'mtlab runs [--json] [--experiment ID] [--status S ...] [--db PATH]',
  summary: 'list runs',
  options: {
    db: { type: 'string' },
    json: { type: 'boolean' },
    experiment: { type: 'string' },
    status: { type: 'string', multiple: true },
  },
  async run(args, ctx) {
    const experiment = stringOption(args, 'experiment');
    const status = stringList(args, 'status');
    const list = await withLab(
      args,
      ctx,
      (lab) =>
        lab.listRuns({
          ...(experiment === undefined ? {} : { experimentId: runIdArg(experiment, 'experiment id') }),
          ...(status.length === 0 ? {} : { status: status as RunSummary['status'][] }),
        }),
      { readOnly: true },
    );
    if (flag(args, 'json')) writeJson(ctx.stdout, list);
    else if (list.length === 0)
      writeLine(ctx.stdout, 'No runs yet. Start one with `mtlab train --preset gru-bahdanau`.');
    else writeLine(ctx.stdout, runsTable(list));
    return 0;
  },
};

const show: Command = {
  path: ['show'],
  usage: 'mtlab show RUN [--json] [--db PATH]',
  summary: 'show one run: config, status, latest metrics, checkpoints',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const id = runIdArg(args.positionals[0]);
    const detail = await withLab(args, ctx, (lab) => lab.getRun({ id }), { readOnly: true });
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, detail);
      return 0;
    }
    const lines = [
      `Run ${detail.id}: ${detail.name}`,
      `  status        ${detail.status}${detail.error ? ` (${detail.error})` : ''}`,
      `  architecture  ${detail.architecture}`,
      `  dataset       ${detail.dataset}`,
      `  backend       ${detail.backend ?? '-'}`,
      ...(detail.adapter === null ? [] : [`  adapter       ${detail.adapter}`]),
      `  kernels       ${detail.kernelSet === null ? '-' : describeKernelSet(detail.kernelSet)}`,
      `  seed          ${detail.seed}`,
      `  progress      step ${progressText(detail)}, epoch ${detail.progress.epoch.toFixed(2)}`,
      `  parameters    ${detail.parameters === null ? '-' : detail.parameters.toLocaleString('en-US')}`,
      `  created       ${detail.createdAt}`,
      `  training time ${formatDuration(detail.durationSeconds)}`,
      `  peak memory   ${detail.peakRss === null ? '-' : `${Math.round(detail.peakRss / 2 ** 20).toLocaleString('en-US')} MB resident (training process)`}`,
    ];
    const keys = Object.keys(detail.latestMetrics).sort();
    if (keys.length > 0) {
      lines.push('', 'Latest metrics:');
      lines.push(
        formatTable(keys, [
          { header: '  KEY', value: (k) => `  ${k}` },
          { header: 'STEP', value: (k) => String(detail.latestMetrics[k]!.step), align: 'right' },
          { header: 'VALUE', value: (k) => formatNumber(detail.latestMetrics[k]!.value, 4), align: 'right' },
          { header: 'MIN', value: (k) => formatNumber(detail.latestMetrics[k]!.min, 4), align: 'right' },
          { header: 'MAX', value: (k) => formatNumber(detail.latestMetrics[k]!.max, 4), align: 'right' },
        ]),
      );
    }
    if (detail.checkpoints.length > 0) {
      lines.push('', 'Checkpoints:');
      for (const c of detail.checkpoints) lines.push(`  ${c.tag.padEnd(5)} step ${c.step}  (${c.createdAt})`);
    }
    lines.push(
      '',
      'Config:',
      ...JSON.stringify(detail.config, null, 2)
        .split('\n')
        .map((l) => `  ${l}`),
    );
    writeLine(ctx.stdout, lines.join('\n'));
    return 0;
  },
};

const dbCheck: Command = {
  path: ['db', 'check'],
  usage: 'mtlab db check [--json] [--db PATH]',
  summary: 'check the experiment store: integrity, schema version (never writes)',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const file = resolveStorePath(stringOption(args, 'db'), ctx.env);
    const result = Store.check(file);
    if (flag(args, 'json')) writeJson(ctx.stdout, result);
    else {
      writeLine(ctx.stdout, `${result.path}: ${result.ok ? 'ok' : 'DAMAGED'}`);
      writeLine(ctx.stdout, `  schema version ${result.schemaVersion} (this mtlab: ${result.latestSchemaVersion})`);
      for (const [table, count] of Object.entries(result.counts)) {
        writeLine(ctx.stdout, `  ${table.padEnd(12)} ${count.toLocaleString('en-US')}`);
      }
      for (const problem of result.problems) writeLine(ctx.stdout, `  problem: ${problem}`);
    }
    return result.ok ? 0 : 1;
  },
};

const metrics: Command = {
  path: ['metrics'],
  usage: 'mtlab metrics RUN [--csv | --json] [--key KEY ...] [--db PATH]',
  summary: 'print every logged metric point of a run (CSV by default)',
  options: {
    db: { type: 'string' },
    csv: { type: 'boolean' },
    json: { type: 'boolean' },
    key: { type: 'string', multiple: true },
  },
  async run(args, ctx) {
    const id = runIdArg(args.positionals[0]);
    if (flag(args, 'csv') && flag(args, 'json')) throw new UsageError('choose one of --csv and --json');
    await withLab(args, ctx, async (lab) => {
      lab.store.getRun(id);
      const wanted = stringList(args, 'key');
      const keys = wanted.length > 0 ? wanted : lab.store.metrics.keys([id]);
      if (flag(args, 'json')) {
        const out: Record<string, { step: number; value: number; wallTime: number }[]> = {};
        for (const key of keys) setOwn(out, key, [...lab.store.metrics.points(id, key)]);
        writeJson(ctx.stdout, { runId: id, metrics: out });
        return;
      }
      writeLine(ctx.stdout, 'run,key,step,value,wall_time');
      for (const key of keys) {
        let chunk = '';
        for (const p of lab.store.metrics.points(id, key)) {
          chunk += `${id},${csvField(key)},${p.step},${p.value},${p.wallTime}\n`;
          if (chunk.length > 1 << 16) {
            ctx.stdout.write(chunk);
            chunk = '';
          }
        }
        ctx.stdout.write(chunk);
      }
    });
    return 0;
  },
};

const info: Command = {
  path: ['info'],
  usage: 'mtlab info [--json] [--db PATH]',
  summary: 'versions, compute backends (and which one training would use), presets, the experiment store',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const { useBackend } = await import('../backend/select.js');
    // Asking about the lab must not make a store: where there is none yet, the lab is asked on a scratch one.
    const file = resolveStorePath(stringOption(args, 'db'), ctx.env);
    const storeExists = existsSync(file);
    const scratch = storeExists ? null : mkdtempSync(path.join(os.tmpdir(), 'mtlab-info-'));
    const describe = async (lab: Lab) => ({
      ...(await lab.info()),
      presets: (await lab.listPresets()).map((p) => ({ name: p.name, description: p.description })),
    });
    let details: Awaited<ReturnType<typeof describe>>;
    if (scratch === null) details = await withLab(args, ctx, describe);
    else {
      const lab = Lab.open(path.join(scratch, 'experiments.db'));
      try {
        details = { ...(await describe(lab)), storePath: file, schemaVersion: 0 };
      } finally {
        await lab.close();
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    const chosen = await useBackend('auto');
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, { ...details, storeExists, defaultBackend: chosen });
      return 0;
    }
    const lines = [
      `mtlab ${details.version} (TensorFlow.js ${details.tfjsVersion}, Node ${process.version})`,
      storeExists
        ? `store      ${details.storePath} (schema ${details.schemaVersion})`
        : `store      ${details.storePath} (not created yet: the first command that stores something makes it)`,
      `backends   (training uses ${chosen} unless a run's config names another)`,
      ...details.backends.map((b) => `  ${b.available ? '✓' : '✗'} ${b.name.padEnd(10)} ${b.detail}`),
      'presets',
      ...details.presets.map((p) => `  ${p.name.padEnd(13)} ${p.description}`),
    ];
    writeLine(ctx.stdout, lines.join('\n'));
    return 0;
  },
};

export const storeCommands: Command[] = [runs, show, dbCheck, metrics, info];
