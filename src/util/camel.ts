/**
 * A SQL row's snake_case columns as the camelCase fields the readers' types use: one mapping for
 * every view reader, so a reader lists its columns once (in its SQL) rather than again per field.
 */
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

export type Camelized<Row> = { [K in keyof Row & string as Camel<K>]: Row[K] };

type Snake<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${Snake<Rest>}`
  : S;

/** The SQL row a camelCase type is read from: its fields under snake_case column names. */
export type Snaked<Type> = { [K in keyof Type & string as Snake<K>]: Type[K] };

/** The same values under camelCase names, in the row's column order. */
export function camelized<Row extends object>(row: Row): Camelized<Row> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return out as Camelized<Row>;
}
