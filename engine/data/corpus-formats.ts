/**
 * The three corpus layouts, turned into raw sentence pairs that remember their file and line:
 *
 * - `tatoeba`: the manythings.org / Tatoeba export. No header; each line is `English TAB other`, optionally
 *   followed by `TAB attribution`.
 * - `tsv`: a header row names the columns; the source and target columns are chosen by name or 1-based index
 *   (default: the first two columns).
 * - `parallel`: two plain-text files, line i of one translating line i of the other.
 *
 * Lines that are malformed become problems (file, line, reason); mistakes that make the whole file unusable (a
 * column that is not there, files of different lengths) throw at once.
 */
import type { SkippedLine } from '../contract/api.js';
import { LabError } from '../errors.js';
import type { CorpusLines } from './corpus-file.js';

export interface RawPair {
  source: string;
  target: string;
  /** Where the pair came from, for messages (file of the source side, 1-based line). */
  file: string;
  line: number;
}

export interface ParsedCorpus {
  pairs: RawPair[];
  problems: SkippedLine[];
  /** The columns used, for `tsv` (recorded with the dataset). */
  columns?: { source: string; target: string };
}

const byLine = (a: SkippedLine, b: SkippedLine): number => a.line - b.line;

/** Index of the last line that is not blank, + 1: blank lines at the very end are ignored. */
function contentLength(lines: readonly (string | null)[]): number {
  let n = lines.length;
  while (n > 0 && lines[n - 1] !== null && lines[n - 1]!.trim() === '') n--;
  return n;
}

export function parseTatoeba(file: CorpusLines): ParsedCorpus {
  const pairs: RawPair[] = [];
  const problems: SkippedLine[] = [...file.problems];
  const n = contentLength(file.lines);
  for (let i = 0; i < n; i++) {
    const line = file.lines[i];
    if (line === null || line === undefined) continue;
    const problem = (reason: string): void => void problems.push({ file: file.name, line: i + 1, reason });
    if (line.trim() === '') {
      problem('empty line');
      continue;
    }
    const fields = line.split('\t');
    if (fields.length < 2) problem('no TAB separator: expected "English TAB translation"');
    else if (fields.length > 3) {
      problem(`${fields.length} TAB-separated fields; expected 2 (English, translation) or 3 (with attribution)`);
    } else if (fields[0]!.trim() === '') problem('the English sentence (field 1) is empty');
    else if (fields[1]!.trim() === '') problem('the translation (field 2) is empty');
    else pairs.push({ source: fields[0]!, target: fields[1]!, file: file.name, line: i + 1 });
  }
  return { pairs, problems: problems.sort(byLine) };
}

/** A column chosen by header name (exact, then ignoring case) or by 1-based index. */
function resolveColumn(file: string, header: readonly string[], wanted: string, option: string): number {
  const exact = header.indexOf(wanted);
  if (exact >= 0) return exact;
  const folded = header.findIndex((h) => h.toLowerCase() === wanted.toLowerCase());
  if (folded >= 0) return folded;
  if (/^\d+$/.test(wanted)) {
    const index = Number(wanted) - 1;
    if (index >= 0 && index < header.length) return index;
    throw new LabError(
      'invalid-data',
      `${file} has ${header.length} columns, so there is no column ${wanted} (${option}); the columns are: ` +
        header.map((h, i) => `${i + 1} "${h}"`).join(', '),
      { file, line: 1, field: option },
    );
  }
  throw new LabError(
    'invalid-data',
    `${file} line 1: there is no column "${wanted}" (${option}); the columns are: ` +
      header.map((h) => `"${h}"`).join(', '),
    { file, line: 1, field: option },
  );
}

export function parseTsv(file: CorpusLines, sourceColumn?: string, targetColumn?: string): ParsedCorpus {
  const headerLine = file.lines[0];
  if (headerLine === null || headerLine === undefined) {
    throw new LabError('invalid-data', `${file.name} line 1: the header row is not valid UTF-8`, {
      file: file.name,
      line: 1,
    });
  }
  const header = headerLine.split('\t').map((h) => h.trim());
  if (header.length < 2) {
    throw new LabError(
      'invalid-data',
      `${file.name} line 1: the header names one column ("${header[0]}"); a TSV corpus needs at least two ` +
        'TAB-separated columns (use --format parallel for two plain-text files)',
      { file: file.name, line: 1 },
    );
  }
  const sourceIndex = resolveColumn(file.name, header, sourceColumn ?? '1', 'source column');
  const targetIndex = resolveColumn(file.name, header, targetColumn ?? '2', 'target column');
  if (sourceIndex === targetIndex) {
    throw new LabError('invalid-request', `the source and target columns are both "${header[sourceIndex]}"`, {
      field: 'targetColumn',
    });
  }
  const pairs: RawPair[] = [];
  const problems: SkippedLine[] = [...file.problems];
  const n = contentLength(file.lines);
  for (let i = 1; i < n; i++) {
    const line = file.lines[i];
    if (line === null || line === undefined) continue;
    const problem = (reason: string): void => void problems.push({ file: file.name, line: i + 1, reason });
    if (line.trim() === '') {
      problem('empty line');
      continue;
    }
    const fields = line.split('\t');
    if (fields.length === 1) problem(`no TAB separator: the header has ${header.length} TAB-separated columns`);
    else if (fields.length !== header.length) {
      problem(`${fields.length} TAB-separated fields; the header (line 1) has ${header.length}`);
    } else if (fields[sourceIndex]!.trim() === '') problem(`the source column "${header[sourceIndex]}" is empty`);
    else if (fields[targetIndex]!.trim() === '') problem(`the target column "${header[targetIndex]}" is empty`);
    else pairs.push({ source: fields[sourceIndex]!, target: fields[targetIndex]!, file: file.name, line: i + 1 });
  }
  return {
    pairs,
    problems: problems.sort(byLine),
    columns: { source: header[sourceIndex]!, target: header[targetIndex]! },
  };
}

export function parseParallel(source: CorpusLines, target: CorpusLines): ParsedCorpus {
  const n = contentLength(source.lines);
  const m = contentLength(target.lines);
  if (n !== m) {
    throw new LabError(
      'invalid-data',
      `the files are not line-aligned: ${source.name} has ${n} lines and ${target.name} has ${m} lines`,
      { file: source.name, lines: n, targetFile: target.name, targetLines: m },
    );
  }
  const pairs: RawPair[] = [];
  const problems: SkippedLine[] = [...source.problems, ...target.problems];
  for (let i = 0; i < n; i++) {
    const s = source.lines[i];
    const t = target.lines[i];
    let ok = true;
    if (s !== null && s.trim() === '') {
      problems.push({ file: source.name, line: i + 1, reason: 'empty line' });
      ok = false;
    }
    if (t !== null && t.trim() === '') {
      problems.push({ file: target.name, line: i + 1, reason: 'empty line' });
      ok = false;
    }
    if (ok && s !== null && t !== null) pairs.push({ source: s, target: t, file: source.name, line: i + 1 });
  }
  problems.sort((a, b) => a.line - b.line || (a.file === source.name ? -1 : 1));
  return { pairs, problems };
}
