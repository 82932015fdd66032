/**
 * Which file paths the page may use in lab calls. Three calls carry one: `importDataset` reads a corpus file
 * (`source.path`, `target.path`, and the given splits' `validFiles.source.path` ... `testFiles.target.path`),
 * `translate` reads a model bundle (`bundlePath`), and `exportModel` writes one (`outDir`, replacing files there
 * with `force`). A compromised page could use them to read any file the user can,
 * or to overwrite bundle files anywhere. So the main process holds a capability set: a path is used in a lab call
 * only if one of the main process's own dialogs returned it in this session, for that use. A path the page names
 * that has not been granted is shown to the user in such a dialog first (electron/main.ts), who may confirm it,
 * choose another, or cancel; the call goes on with what they chose, or is refused.
 *
 * On Windows, UNC paths (`\\host\share\...`, `//host/...`, `\\?\UNC\...`, `\\.\pipe\...`) are refused before any
 * dialog sees them: opening one makes Windows authenticate to that host, which leaks the user's NTLM hash.
 */
import path from 'node:path';
import type { LabMethod } from '../engine/contract/api.js';

/** What a granted path may be used for: a grant for one use is no grant for another. */
export type PathUse = 'read-file' | 'read-folder' | 'write-folder';

/** One path in a lab call's argument. */
export interface PathSlot {
  /** Dotted name of the field, e.g. `source.path`. */
  field: string;
  use: PathUse;
  value: unknown;
  /** Replace the path in the argument (with the one the user chose). */
  set(value: string): void;
}

/** What the user is asked to confirm for one path. */
export interface PathRequest {
  method: LabMethod;
  field: string;
  use: PathUse;
  path: string;
  /** exportModel with `force`: files in the folder are replaced. */
  replaces: boolean;
}

export const MAX_PATH_LENGTH = 4096;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const own = (object: Record<string, unknown>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(object, key);

/**
 * The paths in a lab call's argument, as the request schemas (engine/contract/requests.ts) accept them. Every own
 * field of that name counts, whatever its value, so that no shape the engine would read escapes the check.
 */
export function labCallPaths(method: string, argument: unknown): PathSlot[] {
  if (!isObject(argument)) return [];
  const slots: PathSlot[] = [];
  const slot = (holder: Record<string, unknown>, key: string, field: string, use: PathUse): void => {
    slots.push({ field, use, value: holder[key], set: (value) => (holder[key] = value) });
  };
  switch (method) {
    case 'importDataset':
      for (const side of ['source', 'target']) {
        const file = argument[side];
        if (own(argument, side) && isObject(file) && own(file, 'path')) slot(file, 'path', `${side}.path`, 'read-file');
      }
      // The given valid/test splits read files too.
      for (const key of ['validFiles', 'testFiles']) {
        const given = argument[key];
        if (!own(argument, key) || !isObject(given)) continue;
        for (const side of ['source', 'target']) {
          const file = given[side];
          if (own(given, side) && isObject(file) && own(file, 'path')) {
            slot(file, 'path', `${key}.${side}.path`, 'read-file');
          }
        }
      }
      break;
    case 'translate':
      if (own(argument, 'bundlePath') && argument.bundlePath !== undefined) {
        slot(argument, 'bundlePath', 'bundlePath', 'read-folder');
      }
      break;
    case 'exportModel':
      if (own(argument, 'outDir')) slot(argument, 'outDir', 'outDir', 'write-folder');
      break;
  }
  return slots;
}

const pathsFor = (platform: NodeJS.Platform): path.PlatformPath => (platform === 'win32' ? path.win32 : path.posix);

/** Whether `file` is a UNC or device path on Windows (two leading separators, either kind). */
export function isUncPath(file: string, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' && /^[\\/]{2}/.test(file);
}

/** Why `value` cannot be used as a path at all, or null. */
export function pathProblem(value: unknown, platform: NodeJS.Platform = process.platform): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'needs a path';
  if (value.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`;
  if (value.includes('\0')) return 'contains a NUL character';
  if (isUncPath(value, platform)) {
    return (
      `${value} is a network (UNC) path, which the desktop app does not open: opening one sends your Windows ` +
      'credentials to that host. Copy the files to a local folder, or map the share to a drive letter'
    );
  }
  if (!pathsFor(platform).isAbsolute(value)) return `${value} is not an absolute path`;
  return null;
}

/** The capability set: paths the main process's dialogs returned in this session, per use. */
export class PathGrants {
  private readonly granted = new Map<PathUse, Set<string>>();

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  private key(file: string): string {
    const resolved = pathsFor(this.platform).resolve(file);
    // Windows and macOS file systems ignore case by default: C:\Data and c:\data are one folder.
    return this.platform === 'win32' || this.platform === 'darwin' ? resolved.toLowerCase() : resolved;
  }

  /** Record a path a dialog returned; throws for one that is no usable path (a UNC path on Windows). */
  grant(use: PathUse, file: string): void {
    const problem = pathProblem(file, this.platform);
    if (problem !== null) throw new Error(`the chosen path ${problem}`);
    let set = this.granted.get(use);
    if (set === undefined) this.granted.set(use, (set = new Set()));
    set.add(this.key(file));
  }

  allows(use: PathUse, file: string): boolean {
    return pathProblem(file, this.platform) === null && (this.granted.get(use)?.has(this.key(file)) ?? false);
  }
}

/** How the main process asks the user about a path: the dialog to show and its options. */
export type PathDialog =
  | {
      kind: 'open';
      options: DialogText & { properties: ('openFile' | 'openDirectory' | 'createDirectory')[] };
    }
  | { kind: 'save'; options: DialogText };

/** `title` is the window's title; macOS shows `message` instead. */
interface DialogText {
  title: string;
  message: string;
  defaultPath: string;
  buttonLabel: string;
}

const text = (title: string, defaultPath: string, buttonLabel: string): DialogText => ({
  title,
  message: title,
  defaultPath,
  buttonLabel,
});

/** The dialog that confirms `request`; `exists` says whether its path exists now. */
export function pathDialog(request: PathRequest, exists: boolean): PathDialog {
  const name = path.basename(request.path) || request.path;
  switch (request.use) {
    case 'read-file':
      return {
        kind: 'open',
        options: {
          ...text(`mtlab asks to import ${name}: choose the corpus file to import`, request.path, 'Import'),
          properties: ['openFile'],
        },
      };
    case 'read-folder':
      return {
        kind: 'open',
        options: {
          ...text(
            `mtlab asks to translate with the model bundle ${name}: choose its folder`,
            request.path,
            'Use Bundle',
          ),
          properties: ['openDirectory'],
        },
      };
    case 'write-folder':
      if (!exists) {
        return {
          kind: 'save',
          options: text('mtlab asks to export a model: choose the new folder for it', request.path, 'Export'),
        };
      }
      return {
        kind: 'open',
        options: {
          ...(request.replaces
            ? text(
                `mtlab asks to export a model into ${name}, replacing the bundle files there: choose the folder`,
                request.path,
                'Export and Replace',
              )
            : text(`mtlab asks to export a model into ${name}: choose the folder`, request.path, 'Export')),
          properties: ['openDirectory', 'createDirectory'],
        },
      };
  }
}
