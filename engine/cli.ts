import { LabError } from './errors.js';
import { type Command, type CommandContext, parseCommandArgs, UsageError, writeLine } from './cli/command.js';
import { dataCommands } from './cli/data.js';
import { exportCommands } from './cli/export.js';
import { inspectCommands } from './cli/inspect.js';
import { serveCommands } from './cli/serve.js';
import { scoreCommands } from './cli/score.js';
import { runCommands } from './cli/runs.js';
import { storeCommands } from './cli/store-commands.js';
import { MTLAB_VERSION } from './version.js';

/**
 * Every command of the `mtlab` CLI. Commands from outside the engine (the benchmarks' `mtlab bench`, bench/command.ts)
 * are added by bin/mtlab.js with `registerCommands`.
 */
export const COMMANDS: Command[] = [
  ...storeCommands,
  ...runCommands,
  ...serveCommands,
  ...scoreCommands,
  ...dataCommands,
  ...exportCommands,
  ...inspectCommands,
];

/** Add commands defined outside the engine (bin/mtlab.js adds the benchmarks' where they are built). */
export function registerCommands(commands: readonly Command[]): void {
  for (const command of commands) {
    if (!COMMANDS.some((c) => c.path.join(' ') === command.path.join(' '))) COMMANDS.push(command);
  }
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((word, i) => argv[i] === word)) {
      if (best === null || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  return [
    `mtlab ${MTLAB_VERSION}: a lab for recurrent neural machine-translation experiments`,
    '',
    'Usage: mtlab COMMAND [options]   (mtlab COMMAND --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'The experiment store is ./experiments.db unless --db PATH or MTLAB_DB says otherwise.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: ${command.usage}`, '', command.summary, ...(command.help ? ['', command.help] : [])].join('\n');
}

/**
 * A reader that stops early (`mtlab db check | head -1`) closes our stdout: that is not an error, so stop quietly
 * with the exit code of a command killed by SIGPIPE, as other command-line tools do, instead of a stack trace.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WriteStream, exit: (code: number) => void): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') exit(141);
    else throw error;
  });
}

export function defaultContext(): CommandContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    interactive: Boolean(process.stdout.isTTY) && process.env.CI === undefined,
  };
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: string[], ctx: CommandContext = defaultContext()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    writeLine(ctx.stdout, overview());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    writeLine(ctx.stdout, MTLAB_VERSION);
    return 0;
  }
  const found = findCommand(argv);
  if (found === null) {
    writeLine(ctx.stderr, `mtlab: unknown command "${argv.join(' ')}"\n\n${overview()}`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(ctx.stdout, commandHelp(command));
    return 0;
  }
  try {
    const args = parseCommandArgs(command, rest);
    return await command.run(args, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      writeLine(ctx.stderr, `mtlab ${command.path.join(' ')}: ${error.message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (error instanceof LabError) {
      writeLine(ctx.stderr, `mtlab: ${error.message}`);
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    writeLine(ctx.stderr, `mtlab: unexpected error (please report it): ${message}`);
    return 1;
  }
}
