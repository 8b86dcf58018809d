import type { z } from 'zod';

/** A zod rejection of a venue payload as one line: its first three issues, and how many more. */
export function schemaMessage(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `unexpected payload shape: ${first.join('; ')}${more}`;
}
