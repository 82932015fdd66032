/**
 * Waiting out another process's write lock: SQLite's busy_timeout waits once; a training run must not fail because
 * an import held the store for longer, so its writes retry with backoff, and if they ever give up, the error names
 * the store and, where the system says (Linux /proc/locks), the process holding it.
 */
import { readFileSync, statSync } from 'node:fs';
import { LabError } from '../errors.js';

/** A lock another connection holds for now: worth waiting for. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block this thread (a training worker's, never a server's) for `ms`. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function inode(file: string): number | null {
  try {
    return statSync(file).ino;
  } catch {
    return null;
  }
}

/**
 * The processes (other than this one) holding the store's write lock: in WAL mode the exclusive lock on byte 120 of
 * the `-shm` file, otherwise a write lock on the database file. Empty where the system does not say.
 */
export function writeLockHolders(file: string, locksText?: string): { pid: number; command: string }[] {
  let text = locksText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/locks', 'utf8');
    } catch {
      return [];
    }
  }
  const shm = inode(`${file}-shm`);
  const db = inode(file);
  const pids = new Set<number>();
  for (const line of text.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 18657 fe:00:2146752 120 120" (blocked waiters are marked "->" and skipped).
    const m = /^\d+:\s+(?:POSIX|OFDLCK|FLOCK)\s+\S+\s+WRITE\s+(-?\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s+(\d+)/i.exec(line);
    if (m === null) continue;
    const [pid, ino, start] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (pid <= 0 || pid === process.pid) continue;
    if ((shm !== null && ino === shm && start === 120) || (db !== null && ino === db)) pids.add(pid);
  }
  return [...pids].map((pid) => {
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 120);
    } catch {
      // Gone already, or not ours to read.
    }
    return { pid, command };
  });
}

/** "held by pid 123 (node bin/mtlab.js data import ...)", or "" when unknown. */
export function describeLockHolders(file: string): string {
  const holders = writeLockHolders(file);
  if (holders.length === 0) return '';
  return ` (held by ${holders.map((h) => `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`).join(', ')})`;
}

/** How long a training worker's writes keep retrying: `MTLAB_WRITE_RETRY_MS`, else 10 minutes. */
export function writeRetryMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MTLAB_WRITE_RETRY_MS;
  const value = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : 10 * 60 * 1000;
}

/**
 * Run `write`; while it fails because another process holds the write lock, wait (50 ms, doubling up to 2 s) and
 * try again, for up to `deadlineMs` in all. Then give up with an error naming the store and the lock's holder.
 */
export function retryBusy<T>(file: string, what: string, deadlineMs: number, write: () => T): T {
  const started = Date.now();
  let wait = 50;
  for (;;) {
    try {
      return write();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      const waited = Date.now() - started;
      if (waited >= deadlineMs) {
        throw new LabError(
          'store',
          `cannot ${what}: the experiment store ${file} has been locked by another process${describeLockHolders(file)} ` +
            `for ${Math.round(waited / 1000)} s (${(error as Error).message})`,
          { path: file },
        );
      }
      sleepSync(Math.min(wait, Math.max(1, deadlineMs - waited)));
      wait = Math.min(wait * 2, 2000);
    }
  }
}
