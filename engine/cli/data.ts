/** `mtlab data ...`: import corpora, generate the built-in datasets, list, show, export and delete datasets. */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type {
  CorpusFormat,
  DatasetDetail,
  DatasetSummary,
  GeneratorName,
  GivenSplitFiles,
  ImportOptions,
  ImportResult,
  Split,
  TokenizerKind,
} from '../contract/api.js';
import { LabError } from '../errors.js';
import { CORPUS_FORMATS } from '../data/import.js';
import { GENERATORS } from '../data/generate.js';
import { TOKENIZER_KINDS } from '../data/tokenizers.js';
import {
  type Command,
  type ParsedArgs,
  flag,
  intOption,
  stringList,
  stringOption,
  UsageError,
  writeJson,
  writeLine,
} from './command.js';
import { formatCount, formatNumber, formatTable } from './format.js';
import { withLab } from './store-commands.js';

function choice<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function fractionOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new UsageError(`--${name} must be a fraction from 0 up to 1 (e.g. 0.05), got "${raw}"`);
  }
  return value;
}

function requiredName(args: ParsedArgs): string {
  const name = stringOption(args, 'name');
  if (name === undefined) throw new UsageError('missing --name NAME (the name the dataset is stored under)');
  return name;
}

/** The files a dataset came from, or its generator, in a few words. */
function describeSource(dataset: DatasetSummary): string {
  const source = dataset.source;
  if (dataset.kind === 'generated') return `${String(source.generator)}, seed ${String(source.seed)}`;
  const files = Array.isArray(source.files) ? (source.files as { name?: unknown }[]) : [];
  return `${String(source.format)}: ${files.map((f) => String(f.name)).join(' + ')}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function splitLine(dataset: DatasetSummary): string {
  const p = dataset.stats.pairs;
  return `train ${formatCount(p.train)}, valid ${formatCount(p.valid)}, test ${formatCount(p.test)}`;
}

function importReport(result: ImportResult, seconds: number): string {
  const { dataset, counts, skipped } = result;
  const files = (dataset.source.files as { name: string; bytes: number; lines: number; sha256: string }[]) ?? [];
  const by = (dataset.source.counts as { filteredBy?: Record<string, number> } | undefined)?.filteredBy ?? {};
  const reasons = [
    by.empty ? `${formatCount(by.empty)} empty after normalisation` : '',
    by.length ? `${formatCount(by.length)} longer than ${String(dataset.options.maxWords)} words` : '',
    by.tooLong
      ? `${formatCount(by.tooLong)} longer than ${String(dataset.options.maxChars)} characters` +
        ` (${(result.tooLong ?? [])
          .slice(0, 3)
          .map((p) => `${p.file} line ${p.line}`)
          .join(', ')}${by.tooLong > 3 ? ', ...' : ''})`
      : '',
    by.prefix ? `${formatCount(by.prefix)} without a tutorial prefix` : '',
  ].filter((r) => r !== '');
  const lines = [
    `Imported dataset "${dataset.name}" in ${seconds.toFixed(1)} s`,
    ...files.map(
      (f) =>
        `  file        ${f.name}: ${formatCount(f.lines)} lines, ${formatBytes(f.bytes)}, sha256 ${f.sha256.slice(0, 16)}…`,
    ),
    `  read        ${formatCount(counts.read)} pairs` +
      (skipped.length > 0 ? ` (${formatCount(skipped.length)} bad lines skipped)` : ''),
    `  filtered    ${formatCount(counts.filtered)}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`,
    `  duplicates  ${dataset.options.dedupe ? formatCount(counts.duplicates) : 'kept (no --dedupe)'}`,
    `  kept        ${formatCount(counts.kept)}: ${splitLine(dataset)}`,
    `  tokenizer   ${dataset.tokenizer}: ${formatCount(dataset.stats.sourceTypes)} source and ` +
      `${formatCount(dataset.stats.targetTypes)} target token types in the training split`,
  ];
  for (const split of ['valid', 'test'] as const) {
    const given = result.given?.[split];
    if (given === undefined) continue;
    lines.push(
      `  ${split.padEnd(11)} ${formatCount(given.kept)} of ${formatCount(given.read)} pairs of the given file kept` +
        ' as they are' +
        (given.dropped.length > 0 ? `; dropped ${formatCount(given.dropped.length)} (listed below)` : ''),
    );
  }
  const dropped = [...(result.given?.valid?.dropped ?? []), ...(result.given?.test?.dropped ?? [])];
  if (dropped.length > 0) {
    lines.push('', `Dropped from the given splits:`);
    for (const d of dropped) lines.push(`  ${d.file} line ${d.line}: ${d.reason}`);
  }
  if (skipped.length > 0) {
    lines.push('', `Skipped ${formatCount(skipped.length)} line${skipped.length === 1 ? '' : 's'}:`);
    for (const s of skipped) lines.push(`  ${s.file} line ${s.line}: ${s.reason}`);
  }
  return lines.join('\n');
}

/** A text histogram; long tails are grouped into ranges so it stays at most `maxRows` rows. */
export function textHistogram(counts: readonly number[], maxRows = 30, width = 40): string[] {
  let first = counts.findIndex((c) => c > 0);
  if (first < 0) return ['  (empty)'];
  const last = counts.length - 1 - [...counts].reverse().findIndex((c) => c > 0);
  const bucket = Math.max(1, Math.ceil((last - first + 1) / maxRows));
  first -= first % bucket;
  const rows: { label: string; count: number }[] = [];
  for (let from = first; from <= last; from += bucket) {
    const to = Math.min(from + bucket - 1, last);
    let count = 0;
    for (let i = from; i <= to; i++) count += counts[i] ?? 0;
    rows.push({ label: bucket === 1 ? String(from) : `${from}-${to}`, count });
  }
  const top = Math.max(...rows.map((r) => r.count));
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  return rows.map((r) => {
    const bar = '#'.repeat(r.count === 0 ? 0 : Math.max(1, Math.round((r.count / top) * width)));
    return `  ${r.label.padStart(labelWidth)} | ${bar.padEnd(width)} ${formatCount(r.count)}`;
  });
}

function showReport(d: DatasetDetail): string {
  const s = d.stats;
  const lines = [
    `Dataset "${d.name}" (${d.kind}; ${describeSource(d)}), created ${d.createdAt}`,
    `  pairs       ${splitLine(d)}`,
    `  tokenizer   ${d.tokenizer}`,
    `  source      ${formatCount(s.sourceTypes)} token types (vocabulary ${formatCount(s.sourceTypes + 4)} with ` +
      `<pad> <unk> <sos> <eos>), mean length ${formatNumber(s.meanSourceLength, 1)}, max ${s.maxSourceLength}`,
    `  target      ${formatCount(s.targetTypes)} token types (vocabulary ${formatCount(s.targetTypes + 4)}), ` +
      `mean length ${formatNumber(s.meanTargetLength, 1)}, max ${s.maxTargetLength}`,
    `  alignments  ${s.hasAlignments ? 'gold word alignments stored with every pair' : 'none'}`,
    `  options     ${JSON.stringify(d.options)}`,
    '',
    'Source lengths in tokens (training split):',
    ...textHistogram(d.sourceLengthHistogram),
    '',
    'Target lengths in tokens (training split):',
    ...textHistogram(d.targetLengthHistogram),
  ];
  if (d.examples.length > 0) {
    lines.push('', 'Examples (training split):');
    for (const e of d.examples) lines.push(`  ${e.source}`, `  → ${e.target}`);
  }
  return lines.join('\n');
}

const importCommand: Command = {
  path: ['data', 'import'],
  usage:
    'mtlab data import FILE [--tgt FILE] --format tatoeba|tsv|parallel --name NAME [--preset pytorch-tutorial] ' +
    '[--lowercase] [--ascii-fold] [--max-words N] [--max-chars N] [--dedupe] [--source-column C] [--target-column C] [--reverse] ' +
    '[--valid F] [--test F] [--valid-files DEV [DEV.tgt]] [--test-files TEST [TEST.tgt]] [--seed S] ' +
    '[--on-error fail|skip] [--tokenizer word|char|bpe] [--bpe-merges N] ' +
    '[--json] [--db PATH]',
  summary: 'import a parallel corpus as a dataset (normalised, filtered, split with a seed)',
  help: [
    'Formats: tatoeba = "English TAB other [TAB attribution]" lines (manythings.org); tsv = a header row names the',
    'columns (--source-column/--target-column by name or 1-based index; default the first two); parallel = FILE',
    'and --tgt FILE, line-aligned plain text.',
    'Text is always NFC-normalised with Unicode spaces made plain and collapsed. --preset pytorch-tutorial does',
    'what the PyTorch seq2seq tutorial does: lower-case, accents stripped, "!?" split off, other non-letters to',
    'spaces, at most 9 words per side, English side starting "i am", "he is", ... (11,822 pairs of eng-fra.tsv).',
    'Split: --valid 0.05 --test 0.05 --seed 1 by default. Bad lines stop the import (--on-error fail, nothing is',
    'stored) or are skipped and listed (--on-error skip).',
    'Pairs with a side longer than --max-chars N characters (default 1000; 0 = no limit) are dropped and listed.',
    'Official splits: --valid-files and --test-files take the dev and test files in the same format (two files,',
    'source then target, for parallel) instead of --valid/--test fractions. They are kept exactly as given (order,',
    'duplicates, lengths; only pairs empty after normalisation are dropped, and listed). Files may be gzip-compressed.',
  ].join('\n'),
  rewriteArgs(argv) {
    // `--valid-files DEV.src DEV.tgt`: two values with --format parallel; parseArgs takes one value per option.
    const parallel = argv.some((a, i) => a === '--format=parallel' || (a === '--format' && argv[i + 1] === 'parallel'));
    if (!parallel) return [...argv];
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      out.push(arg);
      if ((arg !== '--valid-files' && arg !== '--test-files') || i + 1 >= argv.length) continue;
      out.push(argv[++i]!);
      const second = argv[i + 1];
      if (second !== undefined && !second.startsWith('-')) out.push(arg, argv[++i]!);
    }
    return out;
  },

  options: {
    db: { type: 'string' },
    json: { type: 'boolean' },
    tgt: { type: 'string' },
    format: { type: 'string' },
    name: { type: 'string' },
    preset: { type: 'string' },
    lowercase: { type: 'boolean' },
    'ascii-fold': { type: 'boolean' },
    'max-words': { type: 'string' },
    'max-chars': { type: 'string' },
    dedupe: { type: 'boolean' },
    'source-column': { type: 'string' },
    'target-column': { type: 'string' },
    reverse: { type: 'boolean' },
    valid: { type: 'string' },
    test: { type: 'string' },
    'valid-files': { type: 'string', multiple: true },
    'test-files': { type: 'string', multiple: true },
    seed: { type: 'string' },
    'on-error': { type: 'string' },
    tokenizer: { type: 'string' },
    'bpe-merges': { type: 'string' },
  },
  async run(args, ctx) {
    const file = args.positionals[0];
    if (file === undefined) throw new UsageError('missing FILE (the corpus to import)');
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"`);
    const format = choice<CorpusFormat>(args, 'format', CORPUS_FORMATS);
    if (format === undefined) throw new UsageError(`missing --format (${CORPUS_FORMATS.join(', ')})`);
    const name = requiredName(args);
    const target = stringOption(args, 'tgt');
    const options: ImportOptions = {};
    const preset = choice(args, 'preset', ['none', 'pytorch-tutorial'] as const);
    if (preset !== undefined) options.preset = preset;
    if (flag(args, 'lowercase')) options.lowercase = true;
    if (flag(args, 'ascii-fold')) options.asciiFold = true;
    if (flag(args, 'dedupe')) options.dedupe = true;
    if (flag(args, 'reverse')) options.reverse = true;
    const maxWords = intOption(args, 'max-words');
    if (maxWords !== undefined) options.maxWords = maxWords;
    const maxChars = intOption(args, 'max-chars');
    if (maxChars !== undefined) options.maxChars = maxChars;
    const sourceColumn = stringOption(args, 'source-column');
    if (sourceColumn !== undefined) options.sourceColumn = sourceColumn;
    const targetColumn = stringOption(args, 'target-column');
    if (targetColumn !== undefined) options.targetColumn = targetColumn;
    const valid = fractionOption(args, 'valid');
    if (valid !== undefined) options.validFraction = valid;
    const test = fractionOption(args, 'test');
    if (test !== undefined) options.testFraction = test;
    const seed = intOption(args, 'seed');
    if (seed !== undefined) options.seed = seed;
    const onError = choice(args, 'on-error', ['fail', 'skip'] as const);
    if (onError !== undefined) options.onError = onError;
    const tokenizer = choice<TokenizerKind>(args, 'tokenizer', TOKENIZER_KINDS);
    if (tokenizer !== undefined) options.tokenizer = tokenizer;
    const bpeMerges = intOption(args, 'bpe-merges');
    if (bpeMerges !== undefined) {
      if ((tokenizer ?? 'word') !== 'bpe') throw new UsageError('--bpe-merges goes with --tokenizer bpe');
      options.bpeMerges = bpeMerges;
    }
    const givenFiles = (split: 'valid' | 'test'): GivenSplitFiles | undefined => {
      const files = stringList(args, `${split}-files`);
      if (files.length === 0) return undefined;
      if (args.values[split] !== undefined) {
        throw new UsageError(`--${split} (a fraction) and --${split}-files (given files) cannot go together`);
      }
      const wanted = format === 'parallel' ? 2 : 1;
      if (files.length !== wanted) {
        throw new UsageError(
          format === 'parallel'
            ? `--${split}-files takes two files with --format parallel: the source side, then the target side`
            : `--${split}-files takes one ${format} file`,
        );
      }
      return { source: { path: files[0]! }, ...(files[1] === undefined ? {} : { target: { path: files[1] } }) };
    };
    const validFiles = givenFiles('valid');
    const testFiles = givenFiles('test');
    const started = process.hrtime.bigint();
    const result = await withLab(args, ctx, (lab) =>
      lab.importDataset({
        name,
        format,
        source: { path: file },
        ...(target === undefined ? {} : { target: { path: target } }),
        ...(validFiles === undefined ? {} : { validFiles }),
        ...(testFiles === undefined ? {} : { testFiles }),
        options,
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (flag(args, 'json')) writeJson(ctx.stdout, result);
    else writeLine(ctx.stdout, importReport(result, seconds));
    return 0;
  },
};

const generateCommand: Command = {
  path: ['data', 'generate'],
  usage: 'mtlab data generate toy-fr|reverse|copy --name NAME [--pairs N] [--seed S] [--json] [--db PATH]',
  summary: 'generate a built-in dataset (toy English→French grammar with gold alignments, reverse, copy)',
  help: [
    'toy-fr: English→French sentences with gender/number agreement, adjectives that move behind the noun,',
    'prepositional phrases and coordination, 2-25 words, with the gold word alignment of every pair.',
    'reverse / copy: sequences of 1-15 symbols (0-9, a-j); the target is the source reversed / the same.',
    'Default 10,000 pairs, seed 1, split 90/5/5.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    json: { type: 'boolean' },
    name: { type: 'string' },
    pairs: { type: 'string' },
    seed: { type: 'string' },
  },
  async run(args, ctx) {
    const generator = args.positionals[0];
    if (generator === undefined) throw new UsageError(`missing the generator (${GENERATORS.join(', ')})`);
    if (!(GENERATORS as readonly string[]).includes(generator)) {
      throw new UsageError(`unknown generator "${generator}"; choose ${GENERATORS.join(', ')}`);
    }
    const name = requiredName(args);
    const pairs = intOption(args, 'pairs');
    const seed = intOption(args, 'seed');
    const dataset = await withLab(args, ctx, (lab) =>
      lab.generateDataset({
        generator: generator as GeneratorName,
        name,
        ...(pairs === undefined ? {} : { pairs }),
        ...(seed === undefined ? {} : { seed }),
      }),
    );
    if (flag(args, 'json')) writeJson(ctx.stdout, dataset);
    else {
      writeLine(
        ctx.stdout,
        `Generated dataset "${dataset.name}" (${describeSource(dataset)}): ${splitLine(dataset)}; ` +
          `${dataset.stats.sourceTypes} source and ${dataset.stats.targetTypes} target word types`,
      );
    }
    return 0;
  },
};

const listCommand: Command = {
  path: ['data', 'ls'],
  usage: 'mtlab data ls [--json] [--db PATH]',
  summary: 'list datasets',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, ctx) {
    const list = await withLab(args, ctx, (lab) => lab.listDatasets());
    if (flag(args, 'json')) writeJson(ctx.stdout, list);
    else if (list.length === 0) {
      writeLine(ctx.stdout, 'No datasets yet. Make one with `mtlab data generate toy-fr --name toy-fr`.');
    } else {
      writeLine(
        ctx.stdout,
        formatTable(list, [
          { header: 'NAME', value: (d) => d.name },
          { header: 'KIND', value: (d) => d.kind },
          { header: 'SOURCE', value: describeSource },
          { header: 'TOKENIZER', value: (d) => d.tokenizer },
          { header: 'TRAIN', value: (d) => formatCount(d.stats.pairs.train), align: 'right' },
          { header: 'VALID', value: (d) => formatCount(d.stats.pairs.valid), align: 'right' },
          { header: 'TEST', value: (d) => formatCount(d.stats.pairs.test), align: 'right' },
          { header: 'SRC TYPES', value: (d) => formatCount(d.stats.sourceTypes), align: 'right' },
          { header: 'TGT TYPES', value: (d) => formatCount(d.stats.targetTypes), align: 'right' },
          { header: 'CREATED', value: (d) => d.createdAt.slice(0, 19).replace('T', ' ') },
        ]),
      );
    }
    return 0;
  },
};

const showCommand: Command = {
  path: ['data', 'show'],
  usage: 'mtlab data show NAME [--examples N] [--json] [--db PATH]',
  summary: 'show a dataset: pairs per split, vocabulary, length histograms, examples',
  options: { db: { type: 'string' }, json: { type: 'boolean' }, examples: { type: 'string' } },
  async run(args, ctx) {
    const name = args.positionals[0];
    if (name === undefined) throw new UsageError('missing NAME (see `mtlab data ls`)');
    const examples = intOption(args, 'examples');
    const detail = await withLab(args, ctx, (lab) =>
      lab.getDataset({ name, ...(examples === undefined ? {} : { examples }) }),
    );
    if (flag(args, 'json')) writeJson(ctx.stdout, detail);
    else writeLine(ctx.stdout, showReport(detail));
    return 0;
  },
};

const removeCommand: Command = {
  path: ['data', 'rm'],
  usage: 'mtlab data rm NAME [--db PATH]',
  summary: 'delete a dataset (refused while queued or running runs use it)',
  options: { db: { type: 'string' } },
  async run(args, ctx) {
    const name = args.positionals[0];
    if (name === undefined) throw new UsageError('missing NAME (see `mtlab data ls`)');
    await withLab(args, ctx, (lab) => lab.deleteDataset({ name }));
    writeLine(ctx.stdout, `Deleted dataset "${name}".`);
    return 0;
  },
};

/** Write to a file, turning a failure into an error that names it. */
async function openOutput(file: string): Promise<{ write(text: string): Promise<void>; close(): Promise<void> }> {
  const stream: WriteStream = createWriteStream(file, { encoding: 'utf8' });
  let failure: Error | null = null;
  stream.on('error', (error) => (failure = error));
  const check = (): void => {
    if (failure !== null) {
      throw new LabError('invalid-request', `cannot write ${file}: ${failure.message}`, { field: 'out' });
    }
  };
  await new Promise<void>((resolve) => {
    stream.once('open', () => resolve());
    stream.once('error', () => resolve());
  });
  check();
  return {
    async write(text) {
      check();
      if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
      check();
    },
    async close() {
      await new Promise<void>((resolve) => stream.end(resolve));
      check();
    },
  };
}

const exportCommand: Command = {
  path: ['data', 'export'],
  usage: 'mtlab data export NAME [--split train|valid|test] [--format tsv|parallel] [--out PATH] [--db PATH]',
  summary: "write one split's pairs as TSV or as two line-aligned files (to score translations elsewhere)",
  help: [
    'The text as stored: normalised as the import asked, before tokenisation. Default: the test split, as TSV',
    '(source TAB target) on stdout or to --out FILE. --format parallel --out PREFIX writes PREFIX.src and PREFIX.tgt,',
    'one sentence per line, e.g. to translate PREFIX.src with `mtlab translate --run RUN < PREFIX.src > hyp.txt`',
    'and score it with `mtlab score --ref PREFIX.tgt --hyp hyp.txt`.',
  ].join('\n'),
  options: {
    db: { type: 'string' },
    split: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args, ctx) {
    const name = args.positionals[0];
    if (name === undefined) throw new UsageError('missing NAME (see `mtlab data ls`)');
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"`);
    const split = choice<Split>(args, 'split', ['train', 'valid', 'test']) ?? 'test';
    const format = choice(args, 'format', ['tsv', 'parallel'] as const) ?? 'tsv';
    const out = stringOption(args, 'out');
    if (format === 'parallel' && out === undefined) {
      throw new UsageError('--format parallel needs --out PREFIX (it writes PREFIX.src and PREFIX.tgt)');
    }
    const written = await withLab(args, ctx, async (lab) => {
      // Check the dataset before creating any file.
      const first = await lab.getDatasetPairs({ name, split, offset: 0 });
      const files =
        out === undefined
          ? []
          : format === 'tsv'
            ? [path.resolve(out)]
            : [path.resolve(`${out}.src`), path.resolve(`${out}.tgt`)];
      const outputs = await Promise.all(files.map((file) => openOutput(file)));
      const toStdout = {
        write: async (text: string) => void ctx.stdout.write(text),
        close: async () => {},
      };
      let page = first;
      let count = 0;
      try {
        for (;;) {
          if (format === 'tsv') {
            let text = '';
            for (const [i, pair] of page.pairs.entries()) {
              if (pair.source.includes('\t') || pair.target.includes('\t')) {
                throw new LabError(
                  'invalid-request',
                  `pair ${page.offset + i + 1} of the ${split} split contains a tab, which TSV cannot hold; use --format parallel`,
                );
              }
              text += `${pair.source}\t${pair.target}\n`;
            }
            await (outputs[0] ?? toStdout).write(text);
          } else {
            await outputs[0]!.write(page.pairs.map((p) => `${p.source}\n`).join(''));
            await outputs[1]!.write(page.pairs.map((p) => `${p.target}\n`).join(''));
          }
          count += page.pairs.length;
          if (page.pairs.length === 0 || count >= page.total) break;
          page = await lab.getDatasetPairs({ name, split, offset: count });
        }
      } finally {
        await Promise.all(outputs.map((output) => output.close()));
      }
      return { files, count };
    });
    if (written.files.length > 0) {
      writeLine(
        ctx.stdout,
        `Wrote ${formatCount(written.count)} ${split} pairs of "${name}" to ${written.files.join(' and ')}`,
      );
    }
    return 0;
  },
};

export const dataCommands: Command[] = [
  importCommand,
  generateCommand,
  listCommand,
  showCommand,
  exportCommand,
  removeCommand,
];
