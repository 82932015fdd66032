/** Mark the output tokens the reference does not have (each reference token can be matched once). */
export function markMisses(hypothesis: string, reference: string): { token: string; match: boolean }[] {
  const left = new Map<string, number>();
  for (const token of reference.split(/\s+/)) left.set(token, (left.get(token) ?? 0) + 1);
  return hypothesis
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((token) => {
      const count = left.get(token) ?? 0;
      if (count > 0) left.set(token, count - 1);
      return { token, match: count > 0 };
    });
}
