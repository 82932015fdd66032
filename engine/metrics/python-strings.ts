// sacrebleu is Python: to give the same numbers we must split, strip and count characters the way Python's `str`
// does, and print numbers the way Python's format specs do. JavaScript's defaults differ in small ways
// (`\s` has U+FEFF but not U+001C–U+001F or U+0085; strings count UTF-16 units, not code points; `toFixed`
// rounds ties away from zero), so these helpers spell out Python's behaviour.

/** Python's `str.isspace()` characters: Unicode category Zs or bidirectional class WS, B or S. */
const PYTHON_WHITESPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE}]+`);
const WHITESPACE_RUNS = new RegExp(`[${PYTHON_WHITESPACE}]+`, 'g');
const ONE_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE}]$`);

export function isPythonWhitespace(char: string): boolean {
  return ONE_WHITESPACE.test(char);
}

/** `text.split()`: the words between runs of whitespace, none of them empty. */
export function splitWhitespace(text: string): string[] {
  const words = text.split(WHITESPACE_RUN);
  if (words.length > 0 && words[0] === '') words.shift();
  if (words.length > 0 && words[words.length - 1] === '') words.pop();
  return words;
}

/** `''.join(text.split())`: the text with every whitespace character removed. */
export function removeWhitespace(text: string): string {
  return text.replace(WHITESPACE_RUNS, '');
}

/** `text.rstrip()`. A loop, because a `\s+$` regex backtracks badly on long lines with many spaces. */
export function rstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonWhitespace(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The characters of `text` as Python sees them (code points), e.g. for `text[i:i + n]`. */
export function codePoints(text: string): string[] {
  return SURROGATE.test(text) ? Array.from(text) : text.split('');
}

/**
 * Python's `f'{value:.{digits}f}'`: the exact binary value rounded half to even (JavaScript's `toFixed` rounds
 * exact ties away from zero, e.g. 0.125 → "0.13" where Python prints "0.12").
 */
export function formatFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const negative = value < 0 || Object.is(value, -0);
  const { mantissa, exponent } = decompose(Math.abs(value));
  // |value| * 10^digits = mantissa * 10^digits * 2^exponent, rounded half to even.
  const scaled = mantissa * 10n ** BigInt(digits);
  let rounded: bigint;
  if (exponent >= 0) rounded = scaled << BigInt(exponent);
  else {
    const divisor = 1n << BigInt(-exponent);
    rounded = scaled / divisor;
    const twiceRemainder = 2n * (scaled % divisor);
    if (twiceRemainder > divisor || (twiceRemainder === divisor && rounded % 2n === 1n)) rounded += 1n;
  }
  const text = rounded.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${body}` : body;
}

/** A finite non-negative double as mantissa * 2^exponent, both exact. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biasedExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biasedExponent === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biasedExponent - 1075 };
}
