// `mtlab score`: BLEU or chrF of a hypothesis file (or stdin) against one or more reference files, printed as
// sacrebleu 2.x prints it. Files are read as sacrebleu's command line reads them: UTF-8, one segment per line,
// trailing whitespace stripped.
import { LabError } from '../errors.js';
import { readRegularFile } from '../files.js';
import { type BleuOptions, corpusBleu, formatBleuScore, SMOOTH_DEFAULTS, type SmoothMethod } from '../metrics/bleu.js';
import { type ChrfOptions, corpusChrf, formatChrfScore } from '../metrics/chrf.js';
import { rstrip } from '../metrics/python-strings.js';
import { BLEU_TOKENIZER_NAMES, isBleuTokenizerName } from '../metrics/tokenizers.js';
import {
  type Command,
  type CommandContext,
  type ParsedArgs,
  flag,
  intOption,
  stringList,
  stringOption,
  UsageError,
  writeJson,
  writeLine,
} from './command.js';

/** One text stream: where it came from (for messages) and its lines. */
interface TextLines {
  name: string;
  lines: string[];
}

const BLEU_ONLY = ['tokenize', 'smooth-method', 'smooth-value'];
const CHRF_ONLY = ['chrf-word-order', 'chrf-char-order', 'chrf-beta', 'chrf-eps-smoothing', 'chrf-whitespace'];

const score: Command = {
  path: ['score'],
  usage:
    'mtlab score [--metric bleu|chrf] --ref FILE [--ref FILE ...] [--hyp FILE] [--tokenize 13a|intl|char|none] ' +
    '[--lowercase] [--smooth-method exp|floor|add-k|none] [--smooth-value V] [--chrf-word-order N] ' +
    '[--chrf-char-order N] [--chrf-beta B] [--chrf-eps-smoothing] [--chrf-whitespace] [--width N] [--json]',
  summary: 'score translations with BLEU or chrF/chrF++, exactly as sacrebleu 2.x does',
  help: [
    'Hypotheses are read from --hyp FILE, or from stdin when it is not given; each --ref FILE is one reference',
    "stream with one line per hypothesis. Defaults are sacrebleu's: BLEU with tokenizer 13a and exp smoothing,",
    "chrF with character order 6, word order 0 (2 gives chrF++), beta 2. Prints sacrebleu's line with its",
    'signature, or with --json one line {"metric","score","signature",...} with the unrounded score.',
  ].join('\n'),
  options: {
    metric: { type: 'string' },
    ref: { type: 'string', multiple: true },
    hyp: { type: 'string' },
    tokenize: { type: 'string' },
    lowercase: { type: 'boolean' },
    'smooth-method': { type: 'string' },
    'smooth-value': { type: 'string' },
    'chrf-word-order': { type: 'string' },
    'chrf-char-order': { type: 'string' },
    'chrf-beta': { type: 'string' },
    'chrf-eps-smoothing': { type: 'boolean' },
    'chrf-whitespace': { type: 'boolean' },
    width: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(args, ctx) {
    const metric = stringOption(args, 'metric') ?? 'bleu';
    if (metric !== 'bleu' && metric !== 'chrf') throw new UsageError(`--metric must be bleu or chrf, got "${metric}"`);
    const misplaced = (metric === 'bleu' ? CHRF_ONLY : BLEU_ONLY).find((name) => args.values[name] !== undefined);
    if (misplaced !== undefined) throw new UsageError(`--${misplaced} does not apply to --metric ${metric}`);
    const refFiles = stringList(args, 'ref');
    if (refFiles.length === 0) throw new UsageError('give at least one --ref FILE');
    const width = intOption(args, 'width', 1);
    if (width < 0 || width > 20) throw new UsageError(`--width must be between 0 and 20, got ${width}`);
    // Options are checked before any input is read.
    const scorer = metric === 'bleu' ? bleuScorer(args, width) : chrfScorer(args, width);

    const hypFile = stringOption(args, 'hyp');
    const hypotheses = hypFile === undefined ? await readStdin(ctx) : readTextFile(hypFile, 'hypothesis');
    const references = refFiles.map((file) => readTextFile(file, 'reference'));
    checkLineCounts(hypotheses, references);

    const output = scorer(
      hypotheses.lines,
      references.map((r) => r.lines),
    );
    if (flag(args, 'json')) {
      writeJson(ctx.stdout, { metric, score: output.score, signature: output.signature, ...output.details });
    } else writeLine(ctx.stdout, output.line);
    return 0;
  },
};

export const scoreCommands: Command[] = [score];

/** A metric with its options checked, ready to score the lines once they are read. */
type Scorer = (hypotheses: string[], references: string[][]) => ScoreOutput;

interface ScoreOutput {
  score: number;
  signature: string;
  /** Fields after metric, score and signature in the JSON line. */
  details: Record<string, unknown>;
  /** sacrebleu's text line. */
  line: string;
}

function bleuScorer(args: ParsedArgs, width: number): Scorer {
  const tokenize = stringOption(args, 'tokenize') ?? '13a';
  if (!isBleuTokenizerName(tokenize)) {
    throw new UsageError(`--tokenize must be one of ${BLEU_TOKENIZER_NAMES.join(', ')}, got "${tokenize}"`);
  }
  const smoothMethod = stringOption(args, 'smooth-method') ?? 'exp';
  if (!Object.hasOwn(SMOOTH_DEFAULTS, smoothMethod)) {
    throw new UsageError(`--smooth-method must be one of exp, floor, add-k, none, got "${smoothMethod}"`);
  }
  const options: BleuOptions = {
    tokenize,
    lowercase: flag(args, 'lowercase'),
    smoothMethod: smoothMethod as SmoothMethod,
    smoothValue: numberOption(args, 'smooth-value') ?? null,
  };
  return (hypotheses, references) => {
    const result = corpusBleu(hypotheses, references, options);
    const { name, counts, totals, precisions, bp, ratio, sysLen, refLen } = result;
    return {
      score: result.score,
      signature: result.signature,
      details: { name, counts, totals, precisions, bp, ratio, hypLen: sysLen, refLen },
      line: formatBleuScore(result, width),
    };
  };
}

function chrfScorer(args: ParsedArgs, width: number): Scorer {
  const wordOrder = intOption(args, 'chrf-word-order', 0);
  const charOrder = intOption(args, 'chrf-char-order', 6);
  if (wordOrder < 0 || charOrder < 0 || wordOrder + charOrder === 0) {
    throw new UsageError('--chrf-char-order and --chrf-word-order must be ≥ 0, and not both 0');
  }
  const options: ChrfOptions = {
    wordOrder,
    charOrder,
    beta: numberOption(args, 'chrf-beta') ?? 2,
    lowercase: flag(args, 'lowercase'),
    epsSmoothing: flag(args, 'chrf-eps-smoothing'),
    whitespace: flag(args, 'chrf-whitespace'),
  };
  return (hypotheses, references) => {
    const result = corpusChrf(hypotheses, references, options);
    const { name, beta } = result;
    return {
      score: result.score,
      signature: result.signature,
      details: { name, charOrder, wordOrder, beta },
      line: formatChrfScore(result, width),
    };
  };
}

function numberOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  return value;
}

function readTextFile(file: string, role: 'hypothesis' | 'reference'): TextLines {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, `${role} file`);
  } catch (error) {
    if (error instanceof LabError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabError('not-found', `${role} file ${file} does not exist`);
    if (code === 'EISDIR') throw new LabError('invalid-request', `${role} file ${file} is a directory`);
    throw new LabError('invalid-request', `cannot read ${role} file ${file}: ${(error as Error).message}`);
  }
  // Python's open(..., newline="\n"), as sacrebleu opens files: only \n ends a line.
  return { name: file, lines: decodeLines(bytes, file, `${role} file ${file}`, /\n/) };
}

async function readStdin(ctx: CommandContext): Promise<TextLines> {
  if ((ctx.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError('no --hyp FILE given and stdin is a terminal: pipe the hypotheses in or name a file');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  // sacrebleu wraps stdin in a TextIOWrapper with universal newlines: \r\n, \r and \n all end a line.
  return { name: 'stdin', lines: decodeLines(Buffer.concat(chunks), 'stdin', 'stdin (the hypotheses)', /\r\n|\r|\n/) };
}

/**
 * Strict UTF-8 (an invalid byte names its line), split into lines without the final empty one, each stripped
 * of trailing whitespace. A byte-order mark is kept, as Python's 'utf-8' codec keeps it.
 */
function decodeLines(bytes: Uint8Array, name: string, description: string, lineBreak: RegExp): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new LabError('invalid-data', `${name}: line ${invalidUtf8Line(bytes)} is not valid UTF-8`);
  }
  if (text === '') throw new LabError('invalid-data', `${description} is empty: there is nothing to score`);
  const lines = text.split(lineBreak);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(rstrip);
}

/** The 1-based number of the first line that does not decode (a newline byte never occurs inside a character). */
function invalidUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    if (newline === -1) return line;
    start = newline + 1;
  }
}

function checkLineCounts(hypotheses: TextLines, references: readonly TextLines[]): void {
  for (const reference of references) {
    const [hypCount, refCount] = [hypotheses.lines.length, reference.lines.length];
    if (hypCount === refCount) continue;
    const [longer, shorter] = hypCount > refCount ? [hypotheses, reference] : [reference, hypotheses];
    throw new LabError(
      'invalid-data',
      `${reference.name} has ${refCount} lines but ${hypotheses.name} has ${hypCount}: ` +
        `line ${shorter.lines.length + 1} of ${longer.name} has no partner in ${shorter.name}`,
    );
  }
}
