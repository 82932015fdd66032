/**
 * Where a checkout keeps better-sqlite3 built for Electron (see electron/sqlite-redirect.ts). The same name is
 * computed by build/electron-native.mjs, which builds the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function electronSqliteFile(
  repoRoot: string,
  versions: { betterSqlite3: string; electron: string },
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  const name = `better-sqlite3-${versions.betterSqlite3}-electron-${versions.electron}-${platform}-${arch}.node`;
  return path.join(repoRoot, '.cache', 'electron-native', name);
}

/** The Electron build of better-sqlite3 for this checkout and this Electron, if it has been built. */
export function findElectronSqlite(repoRoot: string, electronVersion: string): string | null {
  try {
    const manifest = path.join(repoRoot, 'node_modules', 'better-sqlite3', 'package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    const file = electronSqliteFile(repoRoot, { betterSqlite3: version, electron: electronVersion });
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}
