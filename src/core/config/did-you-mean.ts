/** Levenshtein distance, for "did you mean" suggestions on misspelled keys and types. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest candidate within a third of the word's length, as a sentence fragment, or "". */
export function didYouMean(word: string, candidates: readonly string[]): string {
  // A long word is no typo of a short name, and comparing it would cost its length times theirs.
  if (word.length > 100) return '';
  let best = '';
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best && bestDistance <= Math.max(2, Math.ceil(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}
