/**
 * Corpus import: read the files, normalise, filter, remove duplicates, split with a seed, learn the tokenizers and
 * store the dataset with its source (file names, sizes, SHA-256), options and statistics in one transaction.
 *
 * Bad lines either stop the import before anything is written (`onError: 'fail'`, the default) or are skipped and
 * all listed (`onError: 'skip'`). Problems that spoil the whole corpus (an empty file, a missing column, parallel
 * files of different lengths) always stop it.
 */
import type {
  CorpusFormat,
  GivenSplitCounts,
  GivenSplitFiles,
  ImportDatasetRequest,
  ImportOptions,
  ImportResult,
  SkippedLine,
  TokenizerKind,
} from '../contract/api.js';
import { LabError } from '../errors.js';
import type { Store } from '../store/store.js';
import { type CorpusLines, readCorpusLines } from './corpus-file.js';
import { type ParsedCorpus, parseParallel, parseTatoeba, parseTsv } from './corpus-formats.js';
import { countWords, normalizeText } from './normalize.js';
import {
  checkDatasetName,
  checkObject,
  optionalBoolean,
  optionalChoice,
  optionalFraction,
  optionalInteger,
  optionalSeed,
  optionalString,
  requiredChoice,
} from './request-checks.js';
import { DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, DEFAULT_VALID_FRACTION, splitPairs } from './split.js';
import { computeStats } from './stats.js';
import { createTokenizers, DEFAULT_BPE_MERGES, TOKENIZER_KINDS, tokenizerState } from './tokenizers.js';
import { hasTutorialPrefix, TUTORIAL_MAX_WORDS, tutorialNormalize } from './tutorial-preset.js';

export const CORPUS_FORMATS: readonly CorpusFormat[] = ['tatoeba', 'tsv', 'parallel'];

/** Every import option with its default filled in: what the dataset records. */
export interface ResolvedImportOptions {
  preset: 'none' | 'pytorch-tutorial';
  lowercase: boolean;
  asciiFold: boolean;
  /** 0 = no limit. */
  maxWords: number;
  /** Characters per side, after normalisation; 0 = no limit. */
  maxChars: number;
  dedupe: boolean;
  sourceColumn: string | null;
  targetColumn: string | null;
  reverse: boolean;
  validFraction: number;
  testFraction: number;
  seed: number;
  onError: 'fail' | 'skip';
  tokenizer: TokenizerKind;
  /** Merges per side, for `bpe` (null otherwise). */
  bpeMerges: number | null;
}

/** How many lines problems are quoted in an error message; the detail carries more. */
const QUOTED_PROBLEMS = 5;
/** The default cap on a sentence's length at import, in characters (the longest Tatoeba sentences have ~400). */
export const DEFAULT_MAX_CHARS = 1000;
const DETAILED_PROBLEMS = 100;

export function resolveImportOptions(raw: unknown): ResolvedImportOptions {
  const o = raw === undefined ? {} : (checkObject(raw, 'options') as ImportOptions);
  const preset = optionalChoice(o.preset, 'options.preset', ['none', 'pytorch-tutorial'] as const) ?? 'none';
  const tutorial = preset === 'pytorch-tutorial';
  const tokenizer = optionalChoice(o.tokenizer, 'options.tokenizer', TOKENIZER_KINDS) ?? 'word';
  const bpeMerges = optionalInteger(o.bpeMerges, 'options.bpeMerges', 0, 1_000_000);
  const resolved: ResolvedImportOptions = {
    preset,
    lowercase: tutorial || (optionalBoolean(o.lowercase, 'options.lowercase') ?? false),
    asciiFold: tutorial || (optionalBoolean(o.asciiFold, 'options.asciiFold') ?? false),
    maxWords: optionalInteger(o.maxWords, 'options.maxWords', 0, 1_000_000) ?? (tutorial ? TUTORIAL_MAX_WORDS : 0),
    maxChars: optionalInteger(o.maxChars, 'options.maxChars', 0, 100_000_000) ?? DEFAULT_MAX_CHARS,
    dedupe: optionalBoolean(o.dedupe, 'options.dedupe') ?? false,
    sourceColumn: optionalString(o.sourceColumn, 'options.sourceColumn') ?? null,
    targetColumn: optionalString(o.targetColumn, 'options.targetColumn') ?? null,
    reverse: optionalBoolean(o.reverse, 'options.reverse') ?? false,
    validFraction: optionalFraction(o.validFraction, 'options.validFraction') ?? DEFAULT_VALID_FRACTION,
    testFraction: optionalFraction(o.testFraction, 'options.testFraction') ?? DEFAULT_TEST_FRACTION,
    seed: optionalSeed(o.seed, 'options.seed') ?? DEFAULT_SPLIT_SEED,
    onError: optionalChoice(o.onError, 'options.onError', ['fail', 'skip'] as const) ?? 'fail',
    tokenizer,
    bpeMerges: tokenizer === 'bpe' ? (bpeMerges ?? DEFAULT_BPE_MERGES) : null,
  };
  if (resolved.validFraction + resolved.testFraction >= 1) {
    throw new LabError('invalid-request', 'options.validFraction + options.testFraction must be below 1', {
      field: 'options.validFraction',
    });
  }
  return resolved;
}

function problemsError(problems: readonly SkippedLine[]): LabError {
  const quoted = problems.slice(0, QUOTED_PROBLEMS).map((p) => `${p.file} line ${p.line}: ${p.reason}`);
  const more = problems.length - quoted.length;
  const first = problems[0]!;
  return new LabError(
    'invalid-data',
    quoted.join('\n') +
      (more > 0 ? `\n... and ${more} more problem${more === 1 ? '' : 's'}` : '') +
      `\nNothing was imported. With --on-error skip (onError: "skip") the good lines are imported and every ` +
      'bad one is listed.',
    { file: first.file, line: first.line, problems: problems.slice(0, DETAILED_PROBLEMS), count: problems.length },
  );
}

function checkFiles(request: ImportDatasetRequest): void {
  const checkFile = (value: unknown, field: string): void => {
    const file = checkObject(value, field);
    const isPath = typeof file.path === 'string' && file.path.length > 0;
    const isUpload = typeof file.fileName === 'string' && file.fileName.length > 0 && typeof file.content === 'string';
    if (!isPath && !isUpload) {
      throw new LabError('invalid-request', `${field}: give either {path} or {fileName, content}`, { field });
    }
  };
  checkFile(request.source, 'source');
  if (request.format === 'parallel') {
    if (request.target === undefined) {
      throw new LabError('invalid-request', 'a parallel corpus needs its target-side file too (--tgt FILE)', {
        field: 'target',
      });
    }
    checkFile(request.target, 'target');
  } else if (request.target !== undefined) {
    throw new LabError(
      'invalid-request',
      `format ${request.format} reads one file; a target file is only for parallel`,
      {
        field: 'target',
      },
    );
  }
  for (const split of ['valid', 'test'] as const) {
    const key = `${split}Files` as const;
    const given = request[key];
    if (given === undefined) continue;
    checkObject(given, key);
    checkFile(given.source, `${key}.source`);
    if (request.format === 'parallel') {
      if (given.target === undefined) {
        throw new LabError(
          'invalid-request',
          `a parallel ${split} split needs its target-side file too (--${split}-files SRC TGT)`,
          { field: `${key}.target` },
        );
      }
      checkFile(given.target, `${key}.target`);
    } else if (given.target !== undefined) {
      throw new LabError(
        'invalid-request',
        `format ${request.format} reads one file per split; a target file is only for parallel`,
        { field: `${key}.target` },
      );
    }
  }
}

/** Read and parse one corpus (the training file, or a given split) in the request's format. */
function parseCorpus(
  format: CorpusFormat,
  options: ResolvedImportOptions,
  source: ImportDatasetRequest['source'],
  target: ImportDatasetRequest['target'],
): { parsed: ParsedCorpus; files: CorpusLines[] } {
  const sourceFile = readCorpusLines(source);
  const targetFile = format === 'parallel' ? readCorpusLines(target!) : null;
  let parsed: ParsedCorpus;
  if (format === 'tatoeba') parsed = parseTatoeba(sourceFile);
  else if (format === 'tsv') {
    parsed = parseTsv(sourceFile, options.sourceColumn ?? undefined, options.targetColumn ?? undefined);
  } else parsed = parseParallel(sourceFile, targetFile!);
  return { parsed, files: targetFile === null ? [sourceFile] : [sourceFile, targetFile] };
}

interface GivenSplit {
  pairs: NormalizedPair[];
  counts: GivenSplitCounts;
  files: CorpusLines[];
  problems: SkippedLine[];
}

/**
 * A split given as its own file(s): normalised as the training data is, then kept exactly (order, duplicates,
 * lengths: an official test set must stay the test set the published scores used). Only a pair that is empty after
 * normalisation is dropped, and listed.
 */
function readGivenSplit(
  format: CorpusFormat,
  options: ResolvedImportOptions,
  given: GivenSplitFiles,
  normalize: (text: string) => string,
): GivenSplit {
  const { parsed, files } = parseCorpus(format, options, given.source, given.target);
  const pairs: NormalizedPair[] = [];
  const dropped: SkippedLine[] = [];
  for (const raw of parsed.pairs) {
    const first = normalize(raw.source);
    const second = normalize(raw.target);
    if (first === '' || second === '') {
      dropped.push({ file: raw.file, line: raw.line, reason: 'a side is empty after normalisation' });
      continue;
    }
    pairs.push(options.reverse ? { source: second, target: first } : { source: first, target: second });
  }
  return {
    pairs,
    files,
    problems: parsed.problems,
    counts: { read: parsed.pairs.length, kept: pairs.length, dropped },
  };
}

interface NormalizedPair {
  source: string;
  target: string;
}

export function importCorpus(store: Store, rawRequest: ImportDatasetRequest): ImportResult {
  const request = checkObject(rawRequest, 'request') as unknown as ImportDatasetRequest;
  const name = checkDatasetName(request.name);
  const format = requiredChoice(request.format, 'format', CORPUS_FORMATS);
  const options = resolveImportOptions(request.options);
  checkFiles(request);
  if (store.hasDataset(name)) {
    throw new LabError('conflict', `a dataset named "${name}" already exists; choose another name`, { field: 'name' });
  }

  const {
    parsed,
    files: [sourceFile, targetFile = null],
  } = parseCorpus(format, options, request.source, request.target);

  // Normalise and filter. The English side of the tutorial preset is the file's first side, before `reverse`.
  const tutorial = options.preset === 'pytorch-tutorial';
  const normalize = tutorial
    ? tutorialNormalize
    : (text: string): string => normalizeText(text, { lowercase: options.lowercase, asciiFold: options.asciiFold });
  const given: Partial<Record<'valid' | 'test', GivenSplit>> = {};
  if (request.validFiles !== undefined) {
    given.valid = readGivenSplit(format, options, request.validFiles, normalize);
  }
  if (request.testFiles !== undefined) given.test = readGivenSplit(format, options, request.testFiles, normalize);
  const problems = [...parsed.problems, ...(given.valid?.problems ?? []), ...(given.test?.problems ?? [])];
  if (problems.length > 0 && options.onError === 'fail') throw problemsError(problems);
  for (const split of ['valid', 'test'] as const) {
    const files = given[split]?.files;
    if (given[split] !== undefined && given[split].pairs.length === 0) {
      throw new LabError('invalid-data', `the ${split} file ${files![0]!.name} has no usable pairs`, {
        file: files![0]!.name,
        field: `${split}Files`,
      });
    }
  }
  const filtered = { empty: 0, length: 0, tooLong: 0, prefix: 0 };
  const tooLong: SkippedLine[] = [];
  const kept: NormalizedPair[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const raw of parsed.pairs) {
    const first = normalize(raw.source);
    const second = normalize(raw.target);
    if (first === '' || second === '') {
      filtered.empty++;
      continue;
    }
    if (options.maxChars > 0 && (first.length > options.maxChars || second.length > options.maxChars)) {
      filtered.tooLong++;
      if (tooLong.length < DETAILED_PROBLEMS) {
        const chars = Math.max(first.length, second.length);
        tooLong.push({
          file: raw.file,
          line: raw.line,
          reason: `${chars} characters, over the limit of ${options.maxChars} (options.maxChars)`,
        });
      }
      continue;
    }
    if (options.maxWords > 0 && (countWords(first) > options.maxWords || countWords(second) > options.maxWords)) {
      filtered.length++;
      continue;
    }
    if (tutorial && !hasTutorialPrefix(first)) {
      filtered.prefix++;
      continue;
    }
    const pair = options.reverse ? { source: second, target: first } : { source: first, target: second };
    if (options.dedupe) {
      const key = pair.source + '\t' + pair.target;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
    }
    kept.push(pair);
  }
  const filteredTotal = filtered.empty + filtered.length + filtered.tooLong + filtered.prefix;
  if (kept.length === 0) {
    throw new LabError(
      'invalid-data',
      `nothing to import from ${sourceFile!.name}: ${parsed.pairs.length} pairs read, ${filteredTotal} filtered out, ` +
        `${duplicates} duplicates`,
      { file: sourceFile!.name },
    );
  }

  // A given split replaces its fraction; what is left of the training file is split with the seed as before.
  const split = splitPairs(kept, {
    ...options,
    validFraction: given.valid === undefined ? options.validFraction : 0,
    testFraction: given.test === undefined ? options.testFraction : 0,
  });
  const splits = {
    train: split.train,
    valid: given.valid?.pairs ?? split.valid,
    test: given.test?.pairs ?? split.test,
  };
  const tokenizers = createTokenizers(options.tokenizer, splits.train, options.bpeMerges ?? undefined);
  const stats = computeStats(splits, tokenizers, false);
  const counts = { read: parsed.pairs.length, filtered: filteredTotal, duplicates, kept: kept.length };
  const toStored = (pairs: readonly NormalizedPair[]): { source: string; target: string; alignment: null }[] =>
    pairs.map((p) => ({ source: p.source, target: p.target, alignment: null }));
  const givenCounts: NonNullable<ImportResult['given']> = {};
  const givenSource: Record<string, unknown> = {};
  for (const key of ['valid', 'test'] as const) {
    const split = given[key];
    if (split === undefined) continue;
    givenCounts[key] = split.counts;
    givenSource[key] = {
      files: split.files.map((f) => f.info),
      read: split.counts.read,
      kept: split.counts.kept,
      dropped: split.counts.dropped.length,
    };
  }
  const dataset = store.addDataset({
    name,
    kind: 'imported',
    tokenizer: options.tokenizer,
    source: {
      format,
      files: targetFile === null ? [sourceFile!.info] : [sourceFile!.info, targetFile.info],
      ...(parsed.columns === undefined ? {} : { columns: parsed.columns }),
      counts: { ...counts, skippedLines: problems.length, filteredBy: filtered },
      ...(Object.keys(givenSource).length > 0 ? { given: givenSource } : {}),
    },
    options: {
      ...options,
      ...(given.valid === undefined ? {} : { validFraction: 0 }),
      ...(given.test === undefined ? {} : { testFraction: 0 }),
    },
    stats,
    tokenizerState: tokenizerState(tokenizers),
    splits: { train: toStored(splits.train), valid: toStored(splits.valid), test: toStored(splits.test) },
  });
  return {
    dataset,
    skipped: problems,
    counts,
    ...(tooLong.length > 0 ? { tooLong } : {}),
    ...(Object.keys(givenCounts).length > 0 ? { given: givenCounts } : {}),
  };
}
