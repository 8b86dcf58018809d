/**
 * Runs of neighbouring rows that would print the same: a table shows each run once, labelled
 * with the range it covers ("$1k – $250k", "50 – 100"), instead of repeating a row per size.
 */

export interface Run<T> {
  first: T;
  last: T;
  items: T[];
}

/** Consecutive items with equal `key`, in order. */
export function runsOf<T>(items: readonly T[], key: (item: T) => string): Run<T>[] {
  const runs: Run<T>[] = [];
  let previous: string | undefined;
  for (const item of items) {
    const k = key(item);
    const run = runs.at(-1);
    if (run && k === previous) {
      run.last = item;
      run.items.push(item);
    } else {
      runs.push({ first: item, last: item, items: [item] });
    }
    previous = k;
  }
  return runs;
}

/** "a" for a run of one, or "a – b". */
export function rangeLabel(first: string, last: string): string {
  return first === last ? first : `${first} – ${last}`;
}
