/**
 * Which experiment store the desktop app opens at start: `--db PATH` on its command line, else `MTLAB_DB`, else
 * `experiments.db` in the user's data folder for an installed app (its working directory is wherever the launcher
 * put it) or in the working directory from a checkout, like the `mtlab` command.
 */
import path from 'node:path';

export interface StorePathInputs {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  isPackaged: boolean;
  /** Electron's `app.getPath('userData')`. */
  userDataDir: string;
  cwd: string;
}

export const STORE_FILE_NAME = 'experiments.db';

export function storePathFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--db' && i + 1 < argv.length) return argv[i + 1];
    if (argument.startsWith('--db=')) return argument.slice('--db='.length);
  }
  return undefined;
}

export function desktopStorePath(inputs: StorePathInputs): string {
  const chosen = storePathFromArgv(inputs.argv) || inputs.env.MTLAB_DB;
  if (chosen !== undefined && chosen !== '') return path.resolve(inputs.cwd, chosen);
  return path.join(inputs.isPackaged ? inputs.userDataDir : inputs.cwd, STORE_FILE_NAME);
}
