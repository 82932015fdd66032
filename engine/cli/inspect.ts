/**
 * `mtlab gradients RUN`: a run's gradient flow (engine/train/gradient-flow.ts) as a text chart, ‖∂L/∂h_t‖ per
 * encoder position and ‖∂L/∂s_i‖ per decoder position at one validation step (the latest by default).
 */
import type { GradientFlowRecord } from '../contract/api.js';
import { type Command, flag, intOption, runIdArg, UsageError, writeJson, writeLine } from './command.js';
import { formatNumber } from './format.js';
import { withLab } from './store-commands.js';

const BAR = 40;

function bars(label: string, values: readonly number[], scale: number): string[] {
  return values.map((v, i) => {
    const width = scale <= 0 ? 0 : Math.round(BAR * Math.log10(1 + (9 * v) / scale));
    return `  ${label}${String(i + 1).padStart(3)}  ${formatNumber(v, 6).padStart(12)}  ${'█'.repeat(Math.max(0, Math.min(BAR, width)))}`;
  });
}

export function gradientChart(record: GradientFlowRecord): string {
  const scale = Math.max(...record.encoder, ...record.decoder, 0);
  const first = record.encoder[0] ?? 0;
  const last = record.encoder[record.encoder.length - 1] ?? 0;
  return [
    `Gradient flow at step ${record.step}: ${record.sentences} validation sentence${record.sentences === 1 ? '' : 's'} ` +
      `of ${record.sourceLength} source tokens (with <eos>)`,
    `  encoder ‖∂L/∂h_t‖, t = 1..${record.encoder.length} (bars on a log scale):`,
    ...bars('h', record.encoder, scale),
    `  decoder ‖∂L/∂s_i‖:`,
    ...bars('s', record.decoder, scale),
    `  first / last encoder position: ${last === 0 ? '-' : formatNumber(first / last, 4)} ` +
      '(well below 1: the gradient vanishes towards the start of the sentence)',
  ].join('\n');
}

const gradients: Command = {
  path: ['gradients'],
  usage: 'mtlab gradients RUN [--step S] [--json] [--db PATH]',
  summary: "show a run's gradient flow: ‖∂L/∂h_t‖ per encoder and decoder position at a validation step",
  help: [
    'Recorded at each validation on a fixed batch of validation sentences of one length. A vanilla RNN without',
    'attention shows the gradient falling off towards the start of the sentence; GRU/LSTM gates and attention keep',
    'it up. --step picks a validation step (default the latest); --json prints every step.',
  ].join('\n'),
  options: { db: { type: 'string' }, json: { type: 'boolean' }, step: { type: 'string' } },
  async run(args, ctx) {
    const runId = runIdArg(args.positionals[0]);
    const records = await withLab(args, ctx, (lab) => lab.getGradientFlow({ runId }), { readOnly: true });
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, records);
      return 0;
    }
    if (records.length === 0) {
      writeLine(ctx.stdout, `Run ${runId} has no gradient flow recorded yet (it is recorded at each validation).`);
      return 0;
    }
    const step = intOption(args, 'step', records[records.length - 1]!.step);
    const record = records.find((r) => r.step === step);
    if (record === undefined) {
      throw new UsageError(
        `run ${runId} has no gradient flow at step ${step}; steps: ${records.map((r) => r.step).join(', ')}`,
      );
    }
    writeLine(ctx.stdout, gradientChart(record));
    return 0;
  },
};

export const inspectCommands: Command[] = [gradients];
