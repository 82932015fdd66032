import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Lab } from '../lab.js';
import { DEFAULT_PORT, isLoopback, type RunningServer, startServer } from '../serve.js';
import { resolveStorePath } from '../store/store.js';
import {
  type Command,
  type CommandContext,
  intOption,
  stringList,
  stringOption,
  flag,
  UsageError,
  writeLine,
} from './command.js';

/** dist/engine/cli/serve.js → dist/renderer/ */
const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url));

function openBrowser(url: string, ctx: CommandContext): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', (error) =>
    writeLine(ctx.stderr, `mtlab: could not open a browser (${error.message}); open the URL above`),
  );
  child.unref();
}

/** Resolves when the process is asked to stop (Ctrl+C, kill). */
function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const serve: Command = {
  path: ['serve'],
  usage:
    'mtlab serve [--db PATH] [--host H] [--port P] [--token T] [--parallel N] [--data-dir DIR ...] ' +
    '[--allow-host NAME ...] [--open]',
  summary: 'open the lab in a browser: the app and the LabApi over HTTP + WebSocket',
  options: {
    db: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    parallel: { type: 'string' },
    open: { type: 'boolean' },
    'data-dir': { type: 'string', multiple: true },
    'allow-host': { type: 'string', multiple: true },
  },
  help: [
    'Listens on 127.0.0.1 (this machine only) unless --host says otherwise, on port 7878 unless --port does',
    '(0 = any free port), and prints the URL to open. Every request needs the access token in that URL: a new',
    'random one each time, or --token / $MTLAB_TOKEN. Runs train in worker processes, --parallel N at a time',
    '(default 1); queued runs start when the server does. Stop with Ctrl+C: running runs end cancelled and can be',
    'resumed later.',
    '',
    'On a remote machine, prefer an SSH tunnel (ssh -L 7878:127.0.0.1:7878 HOST) over --host 0.0.0.0: with',
    '--host, anyone who can reach the port and has the token controls the lab, over plain HTTP.',
    '',
    'Importing a corpus by a path on this machine is allowed only for files under a --data-dir DIR (repeatable);',
    'without one, the app imports uploads only. Requests must name this machine in their Host header (the',
    'listening address, localhost, or a --allow-host NAME; with --host 0.0.0.0, any IP address and the host',
    'name), which keeps other web sites from reaching the lab through DNS rebinding.',
  ].join('\n'),
  async run(args, ctx) {
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const port = intOption(args, 'port', DEFAULT_PORT);
    if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535, got ${port}`);
    const token = stringOption(args, 'token') ?? (ctx.env.MTLAB_TOKEN || undefined);
    const parallel = intOption(args, 'parallel', 1);
    if (parallel < 1) throw new UsageError('--parallel must be at least 1');
    const storePath = resolveStorePath(stringOption(args, 'db'), ctx.env);

    // The queue starts with the server: runs queued earlier (from the CLI, or before a restart) train now.
    const lab = Lab.open(storePath, { concurrency: parallel, startQueue: true });
    let server: RunningServer;
    try {
      server = await startServer({
        lab,
        host,
        port,
        token,
        dataDirs: stringList(args, 'data-dir'),
        allowedHosts: stringList(args, 'allow-host'),
        staticDir: RENDERER_DIR,
        log: (line) => writeLine(ctx.stderr, line),
      });
    } catch (error) {
      await lab.close();
      throw error;
    }
    const stopped = stopRequested();
    if (!isLoopback(host)) {
      writeLine(
        ctx.stderr,
        `mtlab: WARNING: listening on ${host}, not only on this machine: anyone who can reach port ${server.port} ` +
          'and has the token controls this lab (plain HTTP: use it on networks you trust, or an SSH tunnel).',
      );
    }
    writeLine(ctx.stdout, `mtlab: serving the lab on ${server.tokenUrl}`);
    writeLine(ctx.stdout, `mtlab: store ${storePath}; press Ctrl+C to stop`);
    const dataDirs = stringList(args, 'data-dir');
    writeLine(
      ctx.stdout,
      dataDirs.length === 0
        ? 'mtlab: the app imports uploaded corpora only (--data-dir DIR allows imports by path from DIR)'
        : `mtlab: the app may import corpora by path from ${dataDirs.join(', ')}`,
    );
    if (flag(args, 'open')) openBrowser(server.tokenUrl, ctx);

    await stopped;
    writeLine(ctx.stdout, 'mtlab: stopping (running runs end cancelled; `mtlab resume RUN` continues them)');
    await server.close();
    await lab.close();
    return 0;
  },
};

export const serveCommands: Command[] = [serve];
