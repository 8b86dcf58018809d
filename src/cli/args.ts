/**
 * The one argument parser every command goes through: its options, `--help`, and the refusal of
 * anything else (unknown options, stray words) before the command does anything at all.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value looks like in help, e.g. `ISO` or `FILE` (string options only). */
  value?: string;
  /** Shown as the default in help and used when the option is not given. */
  default?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Environment variables the command reads (names from config.ts), shown in its help. */
  settings: readonly string[];
  /** Lines appended to the help, e.g. the exit codes. */
  notes?: readonly string[];
}

export type ParsedValues = Record<string, string | boolean | undefined>;

/** What was typed cannot be used: the message says what and which options exist. */
export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgsError';
  }
}

export type Parsed = { help: true } | { help: false; values: ParsedValues };

export function parseCommandArgs(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] =
      option.default !== undefined && option.type === 'string'
        ? { type: option.type, default: option.default }
        : { type: option.type };
  }
  let values: ParsedValues;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ArgsError(`${spec.name}: ${(error as Error).message}; see \`${spec.name} --help\``);
  }
  if (values.help === true) return { help: true };
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.type === 'string' && values[name] === '')
      throw new ArgsError(`${spec.name}: --${name} needs a value (${option.value ?? 'VALUE'})`);
  }
  delete values.help;
  return { help: false, values };
}

export function helpText(spec: CommandSpec, settingHelp: (name: string) => string): string {
  const flags = Object.entries(spec.options).map(([name, option]) => {
    const left = option.type === 'string' ? `--${name} ${option.value ?? 'VALUE'}` : `--${name}`;
    const dflt = option.default !== undefined ? ` (default ${option.default})` : '';
    return [left, `${option.help}${dflt}`] as const;
  });
  flags.push(['-h, --help', 'this help']);
  const width = Math.max(...flags.map(([left]) => left.length));
  const lines = [
    `usage: orderbook-etl ${spec.name}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}`,
    '',
    spec.summary,
    '',
    'options:',
    ...flags.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ];
  if (spec.settings.length > 0) {
    const w = Math.max(...spec.settings.map((s) => s.length));
    lines.push(
      '',
      'settings (environment variables, or a .env file in the working folder):',
      ...spec.settings.map((name) => `  ${name.padEnd(w)}  ${settingHelp(name)}`),
    );
  }
  if (spec.notes) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}
