/**
 * Import by path in web mode: a token holder may name files on the lab's machine only inside the folders given at
 * start (`mtlab serve --data-dir DIR`, repeatable). With none, imports are uploads only. Without this, a path
 * import read any file the server could (`/etc/passwd`, then read back through `getDatasetPairs`).
 *
 * A path is checked twice: as written (resolved against the data folders, without touching the disk, so files
 * outside them are not even probed for existence), then with every symbolic link resolved (a link inside a data
 * folder that points outside is refused). The lab is handed the resolved path. Non-regular files (FIFOs, devices)
 * are refused where the file is read (engine/files.ts).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CorpusFile, ImportDatasetRequest } from '../contract/api.js';
import { LabError } from '../errors.js';

/** The data folders, each resolved to its real path; a folder that does not exist is refused at start. */
export function resolveDataDirs(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    let real: string;
    try {
      real = realpathSync(path.resolve(dir));
    } catch {
      throw new LabError('invalid-request', `--data-dir ${dir} does not exist`, { field: 'dataDir' });
    }
    if (!statSync(real).isDirectory()) {
      throw new LabError('invalid-request', `--data-dir ${dir} is not a folder`, { field: 'dataDir' });
    }
    return real;
  });
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

function confine(file: string, dirs: readonly string[], field: string): string {
  if (dirs.length === 0) {
    throw new LabError(
      'invalid-request',
      `importing by path is turned off for this lab in the browser: upload the file, or start ` +
        '`mtlab serve --data-dir DIR` to import files under DIR',
      { field },
    );
  }
  const folders = dirs.join(', ');
  // Relative paths are relative to a data folder (the first that has the file).
  const candidates = path.isAbsolute(file) ? [path.resolve(file)] : dirs.map((dir) => path.resolve(dir, file));
  const inside = candidates.filter((candidate) => dirs.some((dir) => isInside(dir, candidate)));
  if (inside.length === 0) {
    throw new LabError('invalid-request', `${file} is outside the data folders this lab imports from (${folders})`, {
      field,
      file,
    });
  }
  for (const candidate of inside) {
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new LabError('invalid-request', `cannot read corpus file ${file}: ${(error as Error).message}`, {
        field,
        file,
      });
    }
    if (!dirs.some((dir) => isInside(dir, real))) {
      throw new LabError(
        'invalid-request',
        `${file} leads (through a symbolic link) to ${real}, outside the data folders this lab imports from ` +
          `(${folders})`,
        { field, file },
      );
    }
    return real;
  }
  throw new LabError('not-found', `corpus file ${file} does not exist in the data folders (${folders})`, {
    field,
    file,
  });
}

function confineFile(file: CorpusFile, dirs: readonly string[], field: string): CorpusFile {
  return 'path' in file ? { path: confine(file.path, dirs, field) } : file;
}

/**
 * The request with every path it reads confined to `dirs` (resolved): the corpus, its target side and the given
 * valid/test files. Else a LabError naming the field ("source", "target", "testFiles.source", ...).
 */
export function confineImportPaths(request: ImportDatasetRequest, dirs: readonly string[]): ImportDatasetRequest {
  const given = (key: 'validFiles' | 'testFiles'): Partial<ImportDatasetRequest> => {
    const files = request[key];
    if (files === undefined) return {};
    return {
      [key]: {
        source: confineFile(files.source, dirs, `${key}.source`),
        ...(files.target === undefined ? {} : { target: confineFile(files.target, dirs, `${key}.target`) }),
      },
    };
  };
  return {
    ...request,
    source: confineFile(request.source, dirs, 'source'),
    ...(request.target === undefined ? {} : { target: confineFile(request.target, dirs, 'target') }),
    ...given('validFiles'),
    ...given('testFiles'),
  };
}
