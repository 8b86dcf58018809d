/**
 * Whether bytes are exactly one JSON text (RFC 8259), decided by scanning them once without
 * building anything. The envelope only needs that yes or no to know the body can be spliced in;
 * JSON.parse answered it too, but built (and dropped) every array and string of a multi-megabyte
 * book to do so, which cost as much as parsing the book itself.
 *
 * Accepts exactly what JSON.parse accepts on the UTF-8 decoding of the same bytes: whitespace is
 * space, tab, LF and CR only (a BOM is not), strings refuse raw control characters and unknown
 * escapes, numbers follow the JSON grammar, nesting is unbounded (V8 parses any depth, so the
 * container stack here is explicit, not recursion). The caller has checked the bytes are UTF-8.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** `"` at `i`: the index after the closing quote, or -1. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  while (i < n) {
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === 0x75) {
        // \uXXXX
        if (i + 5 >= n) return -1;
        for (let k = 2; k <= 5; k++) if (!isHex(b[i + k] as number)) return -1;
        i += 6;
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2;
      } else {
        return -1;
      }
    } else {
      i++;
    }
  }
  return -1;
}

function scanDigits(b: Uint8Array, i: number): number {
  while (i < b.length && isDigit(b[i] as number)) i++;
  return i;
}

/** `-` or a digit at `i`: the index after the number, or -1. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i] as number)) i = scanDigits(b, i + 1);
  else return -1;
  if (b[i] === DOT) {
    if (!isDigit(b[i + 1] as number)) return -1;
    i = scanDigits(b, i + 1);
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i] as number)) return -1;
    i = scanDigits(b, i);
  }
  return i;
}

function scanWord(b: Uint8Array, i: number, word: readonly number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

export function isJsonText(b: Uint8Array): boolean {
  const n = b.length;
  // Open containers, innermost last: true for an object, false for an array.
  const stack: boolean[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < n && isSpace(b[i] as number)) i++;
  };
  /** After `{` or `,` in an object: `"key"` and `:`. */
  const key = (): boolean => {
    skipSpace();
    if (b[i] !== QUOTE) return false;
    i = scanString(b, i);
    if (i < 0) return false;
    skipSpace();
    if (b[i] !== COLON) return false;
    i++;
    return true;
  };

  skipSpace();
  for (;;) {
    // A value starts at i (after optional space).
    skipSpace();
    const c = b[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i++;
      skipSpace();
      if (b[i] === (c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        i++;
      } else {
        stack.push(c === OPEN_OBJECT);
        if (c === OPEN_OBJECT && !key()) return false;
        continue;
      }
    } else if (c === QUOTE) {
      i = scanString(b, i);
    } else if (c === MINUS || (c !== undefined && isDigit(c))) {
      i = scanNumber(b, i);
    } else if (c === 0x74) {
      i = scanWord(b, i, TRUE);
    } else if (c === 0x66) {
      i = scanWord(b, i, FALSE);
    } else if (c === 0x6e) {
      i = scanWord(b, i, NULL);
    } else {
      return false;
    }
    if (i < 0) return false;

    // A value ended at i: close what it completes, then expect the next one or the end.
    for (;;) {
      skipSpace();
      if (stack.length === 0) return i === n;
      const inObject = stack[stack.length - 1] as boolean;
      const d = b[i];
      if (d === COMMA) {
        i++;
        if (inObject && !key()) return false;
        break;
      }
      if (d !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return false;
      i++;
      stack.pop();
    }
  }
}
