/**
 * What src/warehouse/schema.ts tells Kysely, read with the TypeScript compiler: per table of
 * `Database`, per column, the type a select returns (Kysely's `Selectable`), reduced to whether
 * it admits null and its family (string, number, Date, boolean). Types are erased at run time, so
 * the compiler is the only reader that sees what the code was written against.
 */
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../src/warehouse/sqlfiles.ts';

export type TypeFamily = 'string' | 'number' | 'Date' | 'boolean' | 'unknown';

export interface DeclaredColumn {
  name: string;
  nullable: boolean;
  /** The families of the non-null members (a TS type's text where it has none); one, normally. */
  families: string[];
}

// A file that exists only for the compiler: beside schema.ts's users, so `kysely` resolves.
const PROBE = path.join(PROJECT_ROOT, 'test', 'helpers', '__kysely_types_probe__.ts');
const PROBE_TEXT = `
import type { Selectable } from 'kysely';
import type { Database } from '../../src/warehouse/schema.ts';
export type Rows = { [K in keyof Database]: Selectable<Database[K]> };
`;

function family(type: ts.Type, checker: ts.TypeChecker): string {
  if (type.flags & ts.TypeFlags.Unknown || type.flags & ts.TypeFlags.Any) return 'unknown';
  if (type.flags & ts.TypeFlags.StringLike) return 'string';
  if (type.flags & ts.TypeFlags.NumberLike) return 'number';
  if (type.flags & ts.TypeFlags.BooleanLike) return 'boolean';
  if (type.getSymbol()?.getName() === 'Date') return 'Date';
  return checker.typeToString(type);
}

/** Every table of `Database` with its columns as a select sees them. */
export function declaredTables(): Map<string, DeclaredColumn[]> {
  const configPath = path.join(PROJECT_ROOT, 'tsconfig.json');
  const config = ts.parseJsonConfigFileContent(
    ts.readConfigFile(configPath, (file) => ts.sys.readFile(file)).config,
    ts.sys,
    PROJECT_ROOT,
  );
  const options = { ...config.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (file) => file === PROBE || fileExists(file);
  host.readFile = (file) => (file === PROBE ? PROBE_TEXT : readFile(file));
  host.getSourceFile = (file, language, onError, create) =>
    file === PROBE
      ? ts.createSourceFile(file, PROBE_TEXT, language)
      : getSourceFile(file, language, onError, create);
  const program = ts.createProgram([PROBE], options, host);
  const probe = program.getSourceFile(PROBE);
  const errors = ts.getPreEmitDiagnostics(program, probe);
  if (!probe || errors.length > 0) {
    throw new Error(`cannot read src/warehouse/schema.ts: ${ts.formatDiagnostics(errors, host)}`);
  }
  const checker = program.getTypeChecker();
  const rows = checker.getExportsOfModule(checker.getSymbolAtLocation(probe) as ts.Symbol)[0];
  if (!rows) throw new Error('the probe exports no Rows');
  const tables = new Map<string, DeclaredColumn[]>();
  for (const table of checker.getDeclaredTypeOfSymbol(rows).getProperties()) {
    const row = checker.getTypeOfSymbol(table);
    tables.set(
      table.getName(),
      row.getProperties().map((column) => {
        const type = checker.getTypeOfSymbol(column);
        const members = type.isUnion() ? type.types : [type];
        const nonNull = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
        return {
          name: column.getName(),
          nullable: nonNull.length < members.length,
          families: [...new Set(nonNull.map((t) => family(t, checker)))],
        };
      }),
    );
  }
  return tables;
}
