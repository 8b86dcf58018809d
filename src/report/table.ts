/**
 * Plain terminal tables: aligned columns, numbers right-aligned, ANSI styles only when asked
 * (widths are measured on the plain text, then styles are wrapped around the padded cells, so
 * a coloured table lines up exactly like a plain one).
 */

export type Style = 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan';

const ANSI: Record<Style, string> = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  green: '\x1b[32m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
};
const RESET = '\x1b[0m';

export function paint(text: string, style: Style | undefined, color: boolean): string {
  return color && style !== undefined && text !== '' ? `${ANSI[style]}${text}${RESET}` : text;
}

export interface Column {
  header: string;
  align: 'left' | 'right';
  /**
   * Columns that may go when the table is wider than the terminal: the highest number goes
   * first. Columns without one always stay.
   */
  dropOrder?: number;
}

export interface Cell {
  text: string;
  style?: Style;
}

export interface TableOptions {
  color: boolean;
  /** Terminal columns; the table drops optional columns to fit. Unlimited when absent. */
  width?: number | undefined;
  indent?: number;
}

const GAP = '  ';

/** Display width: every character the report prints is one BMP character one column wide ("—", "·"). */
function widthOf(text: string): number {
  return text.length;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - widthOf(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** The table's lines (header first), without a trailing newline. */
export function renderTable(columns: Column[], rows: Cell[][], options: TableOptions): string[] {
  const indent = ' '.repeat(options.indent ?? 2);
  const widths = columns.map((column, i) =>
    Math.max(widthOf(column.header), ...rows.map((row) => widthOf(row[i]?.text ?? ''))),
  );
  const keep = columns.map(() => true);
  const total = () =>
    indent.length +
    widths.reduce((sum, w, i) => sum + (keep[i] ? w : 0), 0) +
    GAP.length * Math.max(0, keep.filter(Boolean).length - 1);
  const droppable = columns
    .map((column, i) => ({ i, order: column.dropOrder }))
    .filter((c): c is { i: number; order: number } => c.order !== undefined)
    .sort((a, b) => b.order - a.order);
  const limit = options.width ?? Infinity;
  for (const { i } of droppable) {
    if (total() <= limit) break;
    keep[i] = false;
  }

  const line = (cells: Cell[], header: boolean): string => {
    const parts: string[] = [];
    columns.forEach((column, i) => {
      const width = widths[i] ?? 0;
      if (!keep[i]) return;
      const cell = cells[i] ?? { text: '' };
      const padded = pad(cell.text, width, column.align);
      parts.push(paintPadded(padded, header ? { ...cell, style: 'bold' } : cell, options.color));
    });
    return (indent + parts.join(GAP)).trimEnd();
  };
  return [
    line(
      columns.map((c) => ({ text: c.header })),
      true,
    ),
    ...rows.map((row) => line(row, false)),
  ];
}

/** Styles only the text, not the spaces around it, so a line's trailing blanks can be trimmed. */
function paintPadded(padded: string, cell: Cell, color: boolean): string {
  const core = cell.text.trim();
  if (!color || cell.style === undefined || core === '') return padded;
  const start = padded.indexOf(core);
  return padded.slice(0, start) + paint(core, cell.style, color) + padded.slice(start + core.length);
}
