/**
 * Commands that train and use models: train, resume, cancel, translate, experiment create/run/ls, compare.
 * Training happens in worker processes (the run queue); these commands follow the runs' events and draw progress.
 */
import type { Comparison, MetricKey, RunStatus, Translation } from '../contract/api.js';
import { kernelSetWarning } from '../backend/kernel-set.js';
import { applyOverrides, presetOverrides, readConfigFile, requireValidConfig } from '../config.js';
import { GENERATORS } from '../data/generate.js';
import { LabError } from '../errors.js';
import type { Lab } from '../lab.js';
import {
  type Command,
  type CommandContext,
  flag,
  intOption,
  type ParsedArgs,
  runIdArg,
  stringList,
  stringOption,
  UsageError,
  writeJson,
  writeLine,
} from './command.js';
import { MAX_BEAM_SIZE, MAX_INPUT_TOKENS, MAX_REQUEST_TOKENS } from '../decode/limits.js';
import { formatDuration, formatNumber, formatTable, ProgressBar } from './format.js';
import { withLab } from './store-commands.js';

const ENDED: readonly RunStatus[] = ['finished', 'failed', 'cancelled', 'interrupted'];

function validationLine(step: number, m: Record<string, number>): string {
  const parts = [
    `loss ${formatNumber(m.loss, 3)}`,
    `ppl ${formatNumber(m.perplexity, 2)}`,
    `BLEU ${formatNumber(m.bleu, 1)}`,
  ];
  parts.push(`chrF ${formatNumber(m.chrf, 1)}`, `seq acc ${formatNumber(m.sequence_accuracy, 1)}%`);
  if (m.alignment_agreement !== undefined) parts.push(`align ${formatNumber(m.alignment_agreement, 1)}%`);
  return `step ${step}  valid: ${parts.join('  ')}`;
}

/**
 * Follow runs until every one has ended, drawing progress (one run: a bar; several: a line per validation and a
 * combined status line). Ctrl-C cancels them (they can be resumed). Resolves with each run's final status.
 */
export async function followRuns(
  lab: Lab,
  runIds: number[],
  ctx: CommandContext,
  quiet: boolean,
): Promise<Map<number, RunStatus>> {
  const statuses = new Map<number, RunStatus>(runIds.map((id) => [id, lab.store.runStatus(id)]));
  const names = new Map(runIds.map((id) => [id, lab.store.getRun(id).summary.name]));
  const bar = new ProgressBar(ctx.stderr, ctx.interactive && !quiet);
  const progress = new Map<number, string>();
  const single = runIds.length === 1;
  const say = (text: string): void => {
    if (quiet) return;
    bar.done();
    writeLine(ctx.stderr, text);
  };
  const prefix = (id: number): string => (single ? '' : `[${id} ${names.get(id)}] `);
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    say('Cancelling (Ctrl-C again to quit at once); the run can be resumed with `mtlab resume`.');
    for (const id of runIds) if (!ENDED.includes(statuses.get(id)!)) void lab.cancelRun({ id }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  let unsubscribe = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    const check = (): void => {
      if (runIds.every((id) => ENDED.includes(statuses.get(id)!))) resolve();
    };
    unsubscribe = lab.subscribe((event, payload) => {
      if (event === 'run:progress') {
        const p = payload;
        if (!statuses.has(p.runId)) return;
        const text = `${prefix(p.runId)}step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} ${Math.round(p.tokensPerSecond).toLocaleString('en-US')} tok/s ETA ${formatDuration(p.etaSeconds)}`;
        progress.set(p.runId, text);
        if (single) bar.update(p.step / Math.max(1, p.totalSteps), text);
        else bar.update(0, [...progress.values()].join(' | '));
      } else if (event === 'run:validation') {
        const v = payload;
        if (statuses.has(v.runId)) say(prefix(v.runId) + validationLine(v.step, v.metrics));
      } else if (event === 'run:status') {
        const s = payload;
        if (!statuses.has(s.runId)) return;
        statuses.set(s.runId, s.status);
        if (ENDED.includes(s.status))
          say(`${prefix(s.runId)}run ${s.runId} ${s.status}${s.error ? `: ${s.error}` : ''}`);
        check();
      }
    });
    // The runs may have ended before we subscribed.
    for (const id of runIds) statuses.set(id, lab.store.runStatus(id));
    check();
  });
  await done;
  unsubscribe();
  process.off('SIGINT', onSigint);
  bar.done();
  return statuses;
}

/** Make sure the dataset a config names exists; the built-in generators' names are generated on first use. */
async function ensureDataset(lab: Lab, name: string, ctx: CommandContext, quiet: boolean): Promise<void> {
  if (lab.store.hasDataset(name)) return;
  if ((GENERATORS as readonly string[]).includes(name)) {
    if (!quiet) writeLine(ctx.stderr, `Generating the built-in dataset ${name} (first use)...`);
    await lab.generateDataset({ generator: name as (typeof GENERATORS)[number], name });
    return;
  }
  const known = lab.store.listDatasets().map((d) => d.name);
  throw new LabError(
    'invalid-config',
    `there is no dataset "${name}" (data.dataset)${known.length > 0 ? `; datasets: ${known.join(', ')}` : ''}. ` +
      'Import one with `mtlab data import` or generate one with `mtlab data generate`.',
  );
}

function finalSummary(lab: Lab, runId: number): Record<string, unknown> {
  const run = lab.store.getRun(runId).summary;
  const evaluation = lab.store.runSummary(runId);
  return {
    runId,
    status: run.status,
    error: run.error,
    step: run.progress.step,
    backend: run.backend,
    seconds: run.durationSeconds,
    metrics: evaluation?.metrics ?? {},
    bleuByLength: evaluation?.bleuByLength ?? [],
  };
}

function printFinal(ctx: CommandContext, lab: Lab, runId: number): void {
  const summary = finalSummary(lab, runId);
  const metrics = summary.metrics as Record<string, number>;
  if (Object.keys(metrics).length === 0) return;
  writeLine(
    ctx.stdout,
    `Run ${runId} test: BLEU ${formatNumber(metrics.bleu, 2)}  chrF ${formatNumber(metrics.chrf, 2)}  ` +
      `sequence accuracy ${formatNumber(metrics.sequence_accuracy, 1)}%  perplexity ${formatNumber(metrics.perplexity, 2)}` +
      (metrics.alignment_agreement === undefined
        ? ''
        : `  attention/gold agreement ${formatNumber(metrics.alignment_agreement, 1)}%`),
  );
}

/** Who will start a detached run. */
function whoStarts(lab: Lab): string {
  const owner = lab.store.queueOwner();
  return owner === null
    ? 'It starts when `mtlab serve` or the app runs on this store.'
    : `The lab in process ${owner.pid} on ${owner.host} starts it.`;
}

const train: Command = {
  path: ['train'],
  usage:
    'mtlab train (--config FILE | --preset NAME) [--dataset NAME] [--set key=value ...] [--name N] [--detach] [--json] [--db PATH]',
  summary: 'train a model (in a worker process) with progress, then evaluate it on the test split',
  help: [
    'Presets: rnn, gru, lstm, gru-bahdanau, lstm-luong. --set overrides any field, e.g. --set model.hiddenSize=256',
    '--set train.steps=5000 --set model.attention=luong. The built-in datasets (toy-fr, reverse, copy) are generated',
    'on first use. --detach queues the run and returns at once (a running `mtlab serve` or app picks it up).',
    'With --json the last line is {"runId", "status", "metrics", ...}. Ctrl-C cancels; `mtlab resume RUN` continues.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    config: { type: 'string' },
    preset: { type: 'string' },
    dataset: { type: 'string' },
    set: { type: 'string', multiple: true },
    name: { type: 'string' },
    detach: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    const file = stringOption(args, 'config');
    const preset = stringOption(args, 'preset');
    if (file !== undefined && preset !== undefined) throw new UsageError('choose one of --config and --preset');
    let partial: Record<string, unknown> =
      file !== undefined ? readConfigFile(file) : preset !== undefined ? presetOverrides(preset) : {};
    const dataset = stringOption(args, 'dataset');
    if (dataset !== undefined) partial = applyOverrides(partial, [`data.dataset=${JSON.stringify(dataset)}`]);
    partial = applyOverrides(partial, stringList(args, 'set'));
    const config = requireValidConfig(
      partial,
      file ?? (preset !== undefined ? `preset ${preset} with --set` : 'config'),
    );
    const json = flag(args, 'json');
    return withLab(args, ctx, async (lab) => {
      await ensureDataset(lab, config.data.dataset, ctx, json);
      const name = stringOption(args, 'name');
      // Detached: queued for the process that owns the queue (a server, the app). Otherwise held, and trained
      // here: never someone else's older queued run, and no other process takes this one.
      const detach = flag(args, 'detach');
      const run = await lab.createRun({ config, ...(name === undefined ? {} : { name }), start: detach });
      if (detach) {
        if (json) writeJson(ctx.stdout, { runId: run.id, status: run.status });
        else writeLine(ctx.stdout, `Queued run ${run.id} (${run.architecture} on ${run.dataset}). ${whoStarts(lab)}`);
        return 0;
      }
      lab.train([run.id]);
      if (!json)
        writeLine(ctx.stderr, `Run ${run.id}: ${run.architecture} on ${run.dataset}, ${run.progress.totalSteps} steps`);
      const statuses = await followRuns(lab, [run.id], ctx, json);
      if (json) writeJson(ctx.stdout, finalSummary(lab, run.id));
      else printFinal(ctx, lab, run.id);
      return statuses.get(run.id) === 'finished' ? 0 : statuses.get(run.id) === 'cancelled' ? 130 : 1;
    });
  },
};

const resume: Command = {
  path: ['resume'],
  usage: 'mtlab resume RUN [--detach] [--json] [--db PATH]',
  summary: 'continue an interrupted, failed or cancelled run from its last checkpoint',
  options: { db: { type: 'string' }, detach: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const id = runIdArg(args.positionals[0]);
    const json = flag(args, 'json');
    return withLab(args, ctx, async (lab) => {
      const checkpoint = lab.store.loadCheckpoint(id, 'last');
      // The kernels it trained with: once the worker starts and records its own, say if they differ.
      const before = lab.store.getRun(id).kernelSet;
      let warned = false;
      const warnIfOtherKernels = (): void => {
        const now = lab.store.getRun(id).kernelSet;
        const warning = warned || now === null ? null : kernelSetWarning(id, before, now);
        if (warning === null) return;
        warned = true;
        writeLine(ctx.stderr, warning);
      };
      const unsubscribe = lab.subscribe((...[event]) => {
        if (event === 'store:changed' || event === 'run:progress') warnIfOtherKernels();
      });
      const detach = flag(args, 'detach');
      await lab.resumeRun({ id }, { hold: !detach });
      writeLine(
        ctx.stderr,
        checkpoint === null
          ? `Run ${id} has no checkpoint: it starts over.`
          : `Resuming run ${id} from step ${checkpoint.step}.`,
      );
      if (detach) {
        unsubscribe();
        writeLine(ctx.stderr, whoStarts(lab));
        return 0;
      }
      lab.train([id]);
      const statuses = await followRuns(lab, [id], ctx, json);
      unsubscribe();
      warnIfOtherKernels();
      if (json) writeJson(ctx.stdout, { ...finalSummary(lab, id), resumedFrom: checkpoint?.step ?? 0 });
      else printFinal(ctx, lab, id);
      return statuses.get(id) === 'finished' ? 0 : 1;
    });
  },
};

const cancel: Command = {
  path: ['cancel'],
  usage: 'mtlab cancel RUN [--db PATH]',
  summary: 'stop a queued or running run (whichever process trains it); it keeps what it recorded',
  options: { db: { type: 'string' } },
  async run(args, ctx) {
    const id = runIdArg(args.positionals[0]);
    return withLab(args, ctx, async (lab) => {
      const before = lab.store.runStatus(id);
      const owner = lab.store.runOwner(id);
      await lab.cancelRun({ id });
      const where = owner.ownerPid === null ? '' : ` (trained by process ${owner.ownerPid} on ${owner.host ?? '?'})`;
      writeLine(
        ctx.stdout,
        before === 'running'
          ? `Asked run ${id}${where} to stop; it stops within seconds (resume it with \`mtlab resume ${id}\`).`
          : `Cancelled run ${id}.`,
      );
      return 0;
    });
  },
};

async function readStdinLines(ctx: CommandContext): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  // Blank lines are kept (they translate to blank lines, so output lines match input lines); only the end of the
  // last line is not a line of its own.
  const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const translate: Command = {
  path: ['translate'],
  usage:
    'mtlab translate (--run RUN | --model DIR) [--beam N] [--nbest N] [--checkpoint best|last] [--json] [TEXT ...]',
  summary: 'translate sentences with a run or an exported model (reads lines from stdin when no TEXT)',
  help: [
    'The words of TEXT make one sentence (quotes optional); to translate several, give one per line on stdin.',
    `Greedy search unless --beam N (1 to ${MAX_BEAM_SIZE}). --json prints every candidate with its score and attention matrix.`,
    `Blank lines translate to blank lines. At most ${MAX_INPUT_TOKENS} tokens per sentence and ${MAX_REQUEST_TOKENS} per call.`,
    '--model DIR is a bundle (mtlab export) or an ONNX export (mtlab export --format onnx), which ONNX Runtime runs',
    'where the optional onnxruntime-node package is installed.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    run: { type: 'string' },
    model: { type: 'string' },
    beam: { type: 'string' },
    nbest: { type: 'string' },
    checkpoint: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    const runArg = stringOption(args, 'run');
    const model = stringOption(args, 'model');
    if ((runArg === undefined) === (model === undefined)) throw new UsageError('give one of --run RUN and --model DIR');
    const checkpoint = stringOption(args, 'checkpoint');
    if (checkpoint !== undefined && checkpoint !== 'best' && checkpoint !== 'last')
      throw new UsageError('--checkpoint is best or last');
    const beam = intOption(args, 'beam');
    if (beam !== undefined && (beam < 1 || beam > MAX_BEAM_SIZE))
      throw new UsageError(`--beam must be from 1 to ${MAX_BEAM_SIZE}`);
    const nBest = intOption(args, 'nbest');
    const texts = args.positionals.length > 0 ? [args.positionals.join(' ')] : await readStdinLines(ctx);
    if (texts.length === 0) throw new UsageError('nothing to translate: give TEXT or pipe lines into stdin');
    const request = {
      texts,
      ...(runArg === undefined ? {} : { runId: runIdArg(runArg) }),
      ...(model === undefined ? {} : { bundlePath: model }),
      ...(checkpoint === undefined ? {} : { checkpoint: checkpoint as 'best' | 'last' }),
      ...(beam === undefined ? { strategy: 'greedy' as const } : { strategy: 'beam' as const, beamSize: beam }),
      ...(nBest === undefined ? {} : { nBest }),
    };
    const translations: Translation[] =
      model !== undefined && runArg === undefined && stringOption(args, 'db') === undefined
        ? await translateWithoutStore(request)
        : await withLab(args, ctx, (lab) => lab.translate(request));
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, translations);
      return 0;
    }
    for (const t of translations) {
      // The model read these as <unk>: its translation of them is a guess (stderr, so output lines stay aligned).
      const unknown = [...new Set(t.unknownTokens.map((at) => t.sourceTokens[at]!))];
      if (unknown.length > 0) {
        const words = unknown.map((w) => JSON.stringify(w)).join(', ');
        writeLine(
          ctx.stderr,
          `warning: not in the model's vocabulary, read as <unk>: ${words} (in ${JSON.stringify(t.source)})`,
        );
      }
      if (t.candidates.length === 1 || beam === undefined) writeLine(ctx.stdout, t.candidates[0]?.text ?? '');
      else for (const c of t.candidates) writeLine(ctx.stdout, `${c.score.toFixed(3)}\t${c.text}`);
    }
    return 0;
  },
};

/** A bundle or an ONNX export needs no experiment store. */
async function translateWithoutStore(
  request: { texts: string[]; bundlePath?: string } & Record<string, unknown>,
): Promise<Translation[]> {
  const { translateWithExport } = await import('../translate.js');
  return translateWithExport(request.bundlePath!, request);
}

const experimentCreate: Command = {
  path: ['experiment', 'create'],
  usage:
    'mtlab experiment create --preset rnn-gru-attention --dataset NAME [--name N] [--seed S] [--set key=value ...] [--run] [--json] [--db PATH]',
  summary: 'create an experiment: the preset makes its runs (RNN, GRU, GRU + attention) ready to compare',
  options: {
    db: { type: 'string' },
    preset: { type: 'string' },
    dataset: { type: 'string' },
    name: { type: 'string' },
    seed: { type: 'string' },
    set: { type: 'string', multiple: true },
    run: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    const dataset = stringOption(args, 'dataset');
    if (dataset === undefined) throw new UsageError('--dataset NAME is required');
    const preset = stringOption(args, 'preset');
    const overrides = applyOverrides({}, stringList(args, 'set'));
    const json = flag(args, 'json');
    return withLab(args, ctx, async (lab) => {
      await ensureDataset(lab, dataset, ctx, json);
      const name = stringOption(args, 'name');
      const experiment = await lab.createExperiment({
        dataset,
        ...(preset === undefined ? {} : { preset: preset as 'rnn-gru-attention' }),
        ...(name === undefined ? {} : { name }),
        seed: intOption(args, 'seed', 1),
        overrides,
        start: false,
      });
      if (json && !flag(args, 'run')) writeJson(ctx.stdout, experiment);
      else if (!json) {
        writeLine(ctx.stdout, `Experiment ${experiment.id}: ${experiment.name}`);
        for (const id of experiment.runIds) {
          const r = lab.store.getRun(id).summary;
          writeLine(ctx.stdout, `  run ${id}: ${r.name} (${r.architecture}), ${r.progress.totalSteps} steps`);
        }
        if (!flag(args, 'run')) writeLine(ctx.stdout, `Train them with \`mtlab experiment run ${experiment.id}\`.`);
      }
      if (!flag(args, 'run')) return 0;
      return runExperiment(lab, experiment.id, ctx, json);
    });
  },
};

async function runExperiment(lab: Lab, id: number, ctx: CommandContext, json: boolean): Promise<number> {
  // Its queued runs train here (held meanwhile, so the queue's owner does not take them too).
  const runIds = lab.store.getExperiment(id).runIds.filter((rid) => lab.store.runStatus(rid) === 'queued');
  lab.train(runIds);
  const statuses = runIds.length === 0 ? new Map() : await followRuns(lab, runIds, ctx, json);
  const comparison = await lab.compare({ experimentId: id });
  if (json) writeJson(ctx.stdout, comparison);
  else writeLine(ctx.stdout, comparisonText(comparison));
  return [...statuses.values()].every((s) => s === 'finished') ? 0 : 1;
}

const experimentRun: Command = {
  path: ['experiment', 'run'],
  usage: 'mtlab experiment run ID [--parallel N] [--json] [--db PATH]',
  summary: "train an experiment's queued runs (N at a time, default 1), then print the comparison",
  options: { db: { type: 'string' }, parallel: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const id = runIdArg(args.positionals[0], 'experiment id');
    const parallel = intOption(args, 'parallel', 1);
    if (parallel < 1) throw new UsageError('--parallel must be at least 1');
    const lab = (await import('../lab.js')).Lab.open(
      (await import('../store/store.js')).resolveStorePath(stringOption(args, 'db'), ctx.env),
      { concurrency: parallel },
    );
    try {
      return await runExperiment(lab, id, ctx, flag(args, 'json'));
    } finally {
      await lab.close();
    }
  },
};

const experimentList: Command = {
  path: ['experiment', 'ls'],
  usage: 'mtlab experiment ls [--json] [--db PATH]',
  summary: 'list experiments',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const list = await withLab(args, ctx, (lab) => lab.listExperiments());
    if (flag(args, 'json')) writeJson(ctx.stdout, list);
    else if (list.length === 0)
      writeLine(
        ctx.stdout,
        'No experiments yet. Try `mtlab experiment create --preset rnn-gru-attention --dataset toy-fr --run`.',
      );
    else {
      writeLine(
        ctx.stdout,
        formatTable(list, [
          { header: 'ID', value: (e) => String(e.id), align: 'right' },
          { header: 'NAME', value: (e) => e.name },
          { header: 'DATASET', value: (e) => e.dataset ?? '-' },
          { header: 'RUNS', value: (e) => e.runIds.join(' ') },
          { header: 'CREATED', value: (e) => e.createdAt.slice(0, 19).replace('T', ' ') },
        ]),
      );
    }
    return 0;
  },
};

/** A comparison for the terminal: a metrics table, the config differences, BLEU by source length. */
export function comparisonText(comparison: Comparison): string {
  const runs = comparison.runs;
  const metric = (r: (typeof runs)[number], key: MetricKey, digits = 2): string => formatNumber(r.latest[key], digits);
  const lines = [
    formatTable(runs, [
      { header: 'RUN', value: (r) => String(r.run.id), align: 'right' },
      { header: 'NAME', value: (r) => r.run.name },
      { header: 'ARCHITECTURE', value: (r) => r.run.architecture },
      { header: 'STATUS', value: (r) => r.run.status },
      { header: 'STEPS', value: (r) => String(r.run.progress.step), align: 'right' },
      { header: 'VALID BLEU', value: (r) => metric(r, 'valid/bleu'), align: 'right' },
      {
        header: 'BEST',
        value: (r) => formatNumber(r.best['valid/bleu' satisfies MetricKey]?.value, 2),
        align: 'right',
      },
      { header: 'TEST BLEU', value: (r) => metric(r, 'test/bleu'), align: 'right' },
      { header: 'CHRF', value: (r) => metric(r, 'test/chrf'), align: 'right' },
      { header: 'SEQ ACC', value: (r) => metric(r, 'test/sequence_accuracy', 1), align: 'right' },
      { header: 'PPL', value: (r) => metric(r, 'test/perplexity'), align: 'right' },
      { header: 'TIME', value: (r) => formatDuration(r.run.durationSeconds), align: 'right' },
    ]),
  ];
  if (comparison.configDiff.length > 0) {
    lines.push('', 'Config differences:');
    lines.push(
      formatTable(comparison.configDiff, [
        { header: '  FIELD', value: (d) => `  ${d.field}` },
        ...runs.map((r, i) => ({
          header: `RUN ${r.run.id}`,
          value: (d: (typeof comparison.configDiff)[number]) => String(d.values[i]),
        })),
      ]),
    );
  }
  const buckets = runs[0]?.bleuByLength ?? [];
  if (buckets.length > 0) {
    lines.push('', 'Test BLEU by source length (words):');
    lines.push(
      formatTable(buckets, [
        { header: '  LENGTH', value: (b) => `  ${b.from === b.to ? b.from : `${b.from}-${b.to}`}` },
        { header: 'SENTENCES', value: (b) => String(b.sentences), align: 'right' },
        ...runs.map((r) => ({
          header: `RUN ${r.run.id}`,
          value: (b: (typeof buckets)[number]) => {
            const mine = r.bleuByLength.find((x) => x.from === b.from);
            return mine === undefined || mine.sentences === 0 ? '-' : mine.bleu.toFixed(1);
          },
          align: 'right' as const,
        })),
      ]),
    );
  }
  return lines.join('\n');
}

const compare: Command = {
  path: ['compare'],
  usage: 'mtlab compare EXPERIMENT | RUN RUN... [--json] [--db PATH]',
  summary: 'compare runs side by side: metrics, config differences, BLEU by source length',
  help: 'One id compares the runs of that experiment; two or more ids compare those runs.',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args: ParsedArgs, ctx) {
    if (args.positionals.length === 0) throw new UsageError('give an experiment id, or two or more run ids');
    const ids = args.positionals.map((p) => runIdArg(p));
    const comparison = await withLab(args, ctx, (lab) =>
      lab.compare(ids.length === 1 ? { experimentId: ids[0]! } : { runIds: ids }),
    );
    if (flag(args, 'json')) writeJson(ctx.stdout, comparison);
    else writeLine(ctx.stdout, comparisonText(comparison));
    return 0;
  },
};

export const runCommands: Command[] = [
  train,
  resume,
  cancel,
  translate,
  experimentCreate,
  experimentRun,
  experimentList,
  compare,
];
