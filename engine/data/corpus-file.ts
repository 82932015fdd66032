/**
 * Reading one corpus file into lines: from disk (bytes, decoded as strict UTF-8) or uploaded by the app (already a
 * string). Lines that cannot be read are reported with their file and line number instead of being guessed at.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CorpusFile, SkippedLine } from '../contract/api.js';
import { LabError } from '../errors.js';
import { readRegularFile } from '../files.js';

export interface CorpusLines {
  /** The name used in messages: the path as given, or the uploaded file's name. */
  name: string;
  /** What the dataset records about its source. */
  info: { name: string; path?: string; bytes: number; sha256: string; lines: number };
  /** Line i (0-based) is line i + 1 of the file; `null` where the line could not be decoded. */
  lines: (string | null)[];
  /** Lines that could not be decoded, one entry each. */
  problems: SkippedLine[];
}

const NEWLINE = 0x0a;

/**
 * Offset of the first byte that breaks UTF-8 in bytes[start, end), or -1. Follows the WHATWG decoder: overlong
 * forms, surrogates and code points above U+10FFFF are errors.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = i + k < end ? bytes[i + k]! : -1;
      if (c < lower || c > upper) return i;
      lower = 0x80;
      upper = 0xbf;
    }
    i += need + 1;
  }
  return -1;
}

function hex(byte: number): string {
  return '0x' + byte.toString(16).toUpperCase().padStart(2, '0');
}

/** Split decoded text into lines: `\n` or `\r\n`; a final newline does not start another line. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

function decodeBytes(name: string, bytes: Uint8Array): Pick<CorpusLines, 'lines' | 'problems'> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return { lines: splitLines(decoder.decode(bytes)), problems: [] };
  } catch {
    // Some line is not UTF-8: decode line by line so the good ones can still be used and the bad ones named.
  }
  const lines: (string | null)[] = [];
  const problems: SkippedLine[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    const bad = firstInvalidUtf8(bytes, start, end);
    if (bad < 0) {
      let text = decoder.decode(bytes.subarray(start, end));
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (lines.length === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
      lines.push(text);
    } else {
      lines.push(null);
      problems.push({
        file: name,
        line: lines.length,
        reason: `invalid UTF-8 (byte ${hex(bytes[bad]!)} at byte ${bad - start + 1} of the line); save the file as UTF-8`,
      });
    }
    start = end + 1;
  }
  return { lines, problems };
}

/** Uploaded text is already a string: it can still hold lone surrogates or the marks of a lossy decode. */
function checkUploadedLines(name: string, text: string): Pick<CorpusLines, 'lines' | 'problems'> {
  const lines: (string | null)[] = splitLines(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const problems: SkippedLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let reason: string | null = null;
    if (/\p{Cs}/u.test(line)) reason = 'invalid text (an unpaired UTF-16 surrogate)';
    else if (line.includes('\uFFFD')) {
      reason = 'invalid UTF-8 (the text holds U+FFFD replacement characters: the file was not UTF-8 when it was read)';
    }
    if (reason !== null) {
      lines[i] = null;
      problems.push({ file: name, line: i + 1, reason });
    }
  }
  return { lines, problems };
}

/** A corpus file's bytes; FIFOs, devices and folders are refused (engine/files.ts), naming what they are. */
function readBytes(file: string): Buffer {
  try {
    return readRegularFile(file, 'corpus file');
  } catch (error) {
    if (error instanceof LabError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabError('not-found', `corpus file ${file} does not exist`, { file });
    if (code === 'EISDIR') throw new LabError('invalid-request', `corpus file ${file} is a folder`, { file });
    throw new LabError('invalid-request', `cannot read corpus file ${file}: ${(error as Error).message}`, { file });
  }
}

export function isEmptyCorpus(lines: readonly (string | null)[]): boolean {
  return lines.every((line) => line !== null && line.trim() === '');
}

/** The most a gzip-compressed corpus may expand to (a "zip bomb" stops here, with a message). */
export const MAX_GUNZIPPED_BYTES = 2 ** 31 - 1;

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** A gzip file's content (recognised by its magic bytes, whatever its name), naming the file when it is broken. */
export function gunzipCorpus(name: string, bytes: Uint8Array, limit = MAX_GUNZIPPED_BYTES): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(String(error))) {
      throw new LabError(
        'invalid-data',
        `${name} expands to more than ${limit.toLocaleString('en-US')} bytes when decompressed`,
        { file: name },
      );
    }
    throw new LabError('invalid-data', `${name} is not a readable gzip file: ${(error as Error).message}`, {
      file: name,
    });
  }
}

/** Read and decode a corpus file (plain or gzip-compressed); refuses an empty one (naming it). */
export function readCorpusLines(file: CorpusFile): CorpusLines {
  let name: string;
  let bytes: Uint8Array;
  let decoded: Pick<CorpusLines, 'lines' | 'problems'>;
  let info: CorpusLines['info'];
  if ('path' in file) {
    name = file.path;
    bytes = readBytes(file.path);
    // The dataset records the size and SHA-256 of the file as it is on disk (compressed or not).
    const raw = bytes;
    decoded = decodeBytes(name, isGzip(raw) ? gunzipCorpus(name, raw) : raw);
    info = { name: path.basename(file.path), path: path.resolve(file.path), bytes: raw.length, sha256: '', lines: 0 };
  } else {
    name = file.fileName;
    bytes = Buffer.from(file.content, 'utf8');
    decoded = checkUploadedLines(name, file.content);
    info = { name: file.fileName, bytes: bytes.length, sha256: '', lines: 0 };
  }
  info.sha256 = createHash('sha256').update(bytes).digest('hex');
  info.lines = decoded.lines.length;
  if (isEmptyCorpus(decoded.lines)) {
    throw new LabError('invalid-data', `${name} is empty: there are no sentences to import`, { file: name });
  }
  return { name, info, ...decoded };
}
