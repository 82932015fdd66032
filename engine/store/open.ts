import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LabError } from '../errors.js';
import { APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';

export type SqliteDatabase = Database.Database;

const SQLITE_HEADER = 'SQLite format 3\0';

/** The store file: `--db PATH`, else `MTLAB_DB`, else `experiments.db` in the working directory. */
export function resolveStorePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.MTLAB_DB ?? 'experiments.db';
  return path.resolve(chosen);
}

interface FileProbe {
  exists: boolean;
  empty: boolean;
}

/** Look at the file without letting SQLite near it: a directory or a non-SQLite file is refused here. */
function probeFile(file: string): FileProbe {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new LabError('store', `${file} is a directory, not an experiment store`);
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, empty: true };
    if (error instanceof LabError) throw error;
    throw new LabError('store', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (size === 0) return { exists: true, empty: true };
  const header = Buffer.alloc(16);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new LabError('store', `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || header.toString('latin1') !== SQLITE_HEADER) {
    throw new LabError('store', `${file} is not an mtlab experiment store: it is not an SQLite database`);
  }
  return { exists: true, empty: false };
}

export interface StoreHeader {
  applicationId: number;
  schemaVersion: number;
  hasTables: boolean;
}

function describeSqliteError(file: string, error: unknown): LabError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === 'SQLITE_NOTADB') return new LabError('store', `${file} is not an mtlab experiment store: ${message}`);
  if (code.startsWith('SQLITE_CORRUPT')) return new LabError('store', `${file} is damaged: ${message}`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new LabError('store', `cannot open ${file}: ${message}`);
  }
  return new LabError('store', `${file}: ${message}`);
}

/** Read the schema version and application id; `db` may be read-only. */
export function readHeader(db: SqliteDatabase): StoreHeader {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).all() as { name: string }[];
  const hasMigrations = tables.some((t) => t.name === 'schema_migrations');
  let schemaVersion = 0;
  if (hasMigrations) {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    schemaVersion = row.v ?? 0;
  }
  return { applicationId, schemaVersion, hasTables: tables.length > 0 };
}

/** Refuse files this version must not touch: foreign databases and newer schemas. */
export function assertCompatible(file: string, header: StoreHeader): void {
  if (header.hasTables && header.applicationId !== APPLICATION_ID) {
    throw new LabError('store', `${file} is an SQLite database but not an mtlab experiment store`);
  }
  if (header.schemaVersion > LATEST_SCHEMA_VERSION) {
    throw new LabError(
      'store',
      `${file} was written by a newer mtlab (schema version ${header.schemaVersion}; this mtlab understands up to ` +
        `${LATEST_SCHEMA_VERSION}). Upgrade mtlab to open it; the file was not changed.`,
      { schemaVersion: header.schemaVersion, latest: LATEST_SCHEMA_VERSION },
    );
  }
}

/** `MTLAB_BUSY_TIMEOUT_MS`, else 15 s: how long one write waits for another process's lock. */
function busyTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MTLAB_BUSY_TIMEOUT_MS;
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : 15000;
}

/**
 * Whether this process can write the store: the file (if it exists) and its folder, where SQLite keeps the `-wal`
 * and `-shm` files. Read-only commands open a store that fails this read-only.
 */
export function canWriteStore(file: string): boolean {
  try {
    if (existsSync(file)) accessSync(file, constants.W_OK);
    accessSync(path.dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const cannotShareMemory = (error: unknown): boolean => {
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY');
};

/**
 * Open a store read-only. A WAL store needs its `-shm` file, which SQLite cannot create in a folder this user cannot
 * write: then, when no unfinished writes wait in `-wal`, the file is read into memory (marked as a rollback-journal
 * database in that copy only) and opened from there. The file itself is never written.
 */
function openReadOnly(file: string): SqliteDatabase {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (error) {
    db.close();
    if (!cannotShareMemory(error)) throw error;
    let walBytes = 0;
    try {
      walBytes = statSync(`${file}-wal`).size;
    } catch {
      // No -wal file: everything is in the database file.
    }
    if (walBytes > 0) {
      throw new LabError(
        'store',
        `cannot read ${file}: it has unfinished writes in ${file}-wal, and SQLite cannot open it without writing ` +
          `next to it (${(error as Error).message}); open it once as a user who can write ${path.dirname(file)}`,
      );
    }
    const image = readFileSync(file);
    // Bytes 18 and 19: the file format's write and read versions, 2 for WAL; 1 (rollback journal) in memory.
    if (image.length >= 100) image[18] = image[19] = 1;
    return new Database(image, { readonly: true });
  }
}

/** Remove the `-wal` / `-shm` files an open of a refused file left behind (never ones that were there before). */
function removeLeftovers(file: string, existedBefore: { wal: boolean; shm: boolean }): void {
  const wal = `${file}-wal`;
  if (existedBefore.wal) return;
  try {
    if (existsSync(wal) && statSync(wal).size > 0) return; // Someone wrote: not ours to remove.
    rmSync(wal, { force: true });
    if (!existedBefore.shm) rmSync(`${file}-shm`, { force: true });
  } catch {
    // Best effort: the refusal itself is what matters.
  }
}

export interface OpenDatabaseOptions {
  readonly?: boolean;
  /** Milliseconds a writer waits for another writer before giving up. */
  busyTimeoutMs?: number;
}

/**
 * Open (and if needed create and migrate) an experiment store. The file is inspected read-only first, so a foreign,
 * damaged or newer file is refused before anything could write to it.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const probe = probeFile(file);
  const existedBefore = { wal: existsSync(`${file}-wal`), shm: existsSync(`${file}-shm`) };
  if (!probe.empty) {
    let inspector: SqliteDatabase | undefined;
    try {
      inspector = openReadOnly(file);
      assertCompatible(file, readHeader(inspector));
    } catch (error) {
      inspector?.close();
      inspector = undefined;
      removeLeftovers(file, existedBefore);
      if (error instanceof LabError) throw error;
      throw describeSqliteError(file, error);
    } finally {
      inspector?.close();
    }
  } else if (options.readonly) {
    throw new LabError(
      'store',
      probe.exists ? `${file} is empty (0 bytes): it is not an experiment store` : `${file} does not exist`,
    );
  }

  let db: SqliteDatabase;
  try {
    db = options.readonly ? openReadOnly(file) : new Database(file, { readonly: false, fileMustExist: false });
  } catch (error) {
    if (error instanceof LabError) throw error;
    throw describeSqliteError(file, error);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? busyTimeoutFromEnv()}`);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db, file);
    }
  } catch (error) {
    db.close();
    if (error instanceof LabError) throw error;
    throw describeSqliteError(file, error);
  }
  return db;
}

/** Apply every migration newer than the file's version, each in its own immediate transaction. */
export function migrate(db: SqliteDatabase, file: string): number {
  // Up to date: nothing to write, so no need to wait for another process's write lock.
  const current = readHeader(db);
  if (current.schemaVersion >= LATEST_SCHEMA_VERSION) {
    assertCompatible(file, current);
    return 0;
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  let applied = 0;
  for (const migration of MIGRATIONS) {
    const run = db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const header = readHeader(db);
      assertCompatible(file, { ...header, hasTables: header.hasTables && header.schemaVersion > 0 });
      if (header.schemaVersion >= migration.version) return false;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      db.pragma(`application_id = ${APPLICATION_ID}`);
      return true;
    });
    if (run.immediate()) applied++;
  }
  return applied;
}
