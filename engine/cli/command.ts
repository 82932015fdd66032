import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LabError } from '../errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** True when stdout is a terminal (progress bars, colours). */
  interactive: boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** Words that select the command, e.g. `['db', 'check']`. */
  path: string[];
  usage: string;
  summary: string;
  options: OptionSpec;
  /** Lines of help after the usage line. */
  help?: string;
  /** Turn forms node's parseArgs cannot read (an option with two values) into ones it can, before parsing. */
  rewriteArgs?(argv: readonly string[]): string[];
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  try {
    const args = command.rewriteArgs?.(argv) ?? argv;
    const parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    // node's messages are good ("Unknown option '--x'"); drop its internal error code prefix.
    throw new UsageError((error as Error).message.replace(/^\S+: /, ''));
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Parse an integer option, naming the option when it is not one. */
export function intOption(args: ParsedArgs, name: string, fallback: number): number;
export function intOption(args: ParsedArgs, name: string): number | undefined;
export function intOption(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  return Number.parseInt(raw, 10);
}

/** Parse a run id given on the command line. */
export function runIdArg(raw: string | undefined, what = 'RUN'): number {
  if (raw === undefined) throw new UsageError(`missing ${what} (a run id, as listed by \`mtlab runs\`)`);
  const id = /^#?(\d+)$/.exec(raw.trim());
  if (id === null)
    throw new LabError('invalid-request', `"${raw}" is not a run id; run ids are numbers (see \`mtlab runs\`)`);
  return Number(id[1]);
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(text + '\n');
}

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(JSON.stringify(value) + '\n');
}

export const dbOption: OptionSpec = {
  db: { type: 'string' },
};
