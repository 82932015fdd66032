/**
 * Reading a file the user named (a corpus, a config, a bundle's files, a score's references) only if it is a
 * regular file. A FIFO blocks the reader until something writes to it (it froze `mtlab serve`), `/dev/zero` never
 * ends and `/dev/urandom` is never valid text, so anything but a regular file is refused with what it is.
 *
 * The file is opened non-blocking (opening a FIFO for reading does not wait for a writer) and checked with `fstat`
 * on the open descriptor, so a path swapped for a FIFO between a check and the read is caught too. Errors other than
 * "not a regular file" (ENOENT, EACCES, EISDIR) are thrown as Node raised them, for callers' own messages.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { LabError } from './errors.js';

// O_NONBLOCK does not exist on Windows (where FIFOs are not files on a path anyway).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, in words. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The error for a path that is not a regular file: `what` names the role ("corpus file", "config file"). */
export function notRegularFile(
  file: string,
  what: string,
  stats: Stats,
  code: 'invalid-request' | 'invalid-config' | 'bundle' = 'invalid-request',
): LabError {
  return new LabError(
    code,
    `${what} ${file} is ${fileKind(stats)}, not a regular file: mtlab reads only regular files (save it to one first)`,
    { file },
  );
}

/** Read a regular file whole; refuses FIFOs, devices, sockets and folders with a LabError naming the file. */
export function readRegularFile(
  file: string,
  what: string,
  code: 'invalid-request' | 'invalid-config' | 'bundle' = 'invalid-request',
): Buffer {
  const fd = openSync(file, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegularFile(file, what, stats, code);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFile`, without blocking the event loop. */
export async function readRegularFileAsync(
  file: string,
  what: string,
  code: 'invalid-request' | 'invalid-config' | 'bundle' = 'invalid-request',
): Promise<Buffer> {
  const handle = await open(file, READ_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegularFile(file, what, stats, code);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
