/**
 * Where a file stops being UTF-8, so an upload in the wrong encoding is refused with the file and line named
 * (a browser would otherwise replace the bad bytes with U+FFFD without a word).
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; line: number } | null {
  let line = 1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0x0a) line++;
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return { offset: i, line };
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return { offset: i, line };
    // Overlong forms and surrogates.
    const second = bytes[i + 1]!;
    if (
      (b === 0xe0 && second < 0xa0) ||
      (b === 0xed && second > 0x9f) ||
      (b === 0xf0 && second < 0x90) ||
      (b === 0xf4 && second > 0x8f)
    ) {
      return { offset: i, line };
    }
    i += length;
  }
  return null;
}
