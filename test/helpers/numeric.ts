/** A numeric as PostgreSQL prints it, without insignificant trailing zeros: "300.0000" → "300". */
export function canonical(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}
