// How scores read wherever the UI shows one. Present-class mIoU leads and ranks: plain mIoU also
// averages classes the ground truth never shows but a cluster was matched to (each scores 0), so it
// punishes a method for how many clusters it has rather than for how well it segments.
//
// Scores arrive as NaN (local re-scoring, shared/metrics) or null (engine reports) when undefined.

/** A score fraction as a percentage with one decimal; '—' when undefined. */
export function formatScore(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(1)} %`;
}

/**
 * The one-line legend under a score: what each column averages. With the counts of one score, it
 * names them; without (a table of several), it says the rule.
 */
export function scoreLegend(counts?: { classesPresent: number; classesScored: number }): string {
  const present = counts === undefined ? 'the classes' : `the ${counts.classesPresent} classes`;
  const scored = counts === undefined ? 'the classes' : `the ${counts.classesScored} classes`;
  return (
    `present-class mIoU = mean IoU over ${present} with ground-truth pixels · ` +
    `mIoU = over ${scored} with a defined IoU, incl. matched absent ones (they score 0)`
  );
}

/** The held-out warning, or null when the scored frames are held out (or the report predates the count). */
export function trainingFramesWarning(trainingFramesScored: number | null | undefined): string | null {
  if (trainingFramesScored === null || trainingFramesScored === undefined || trainingFramesScored <= 0) return null;
  const frames = trainingFramesScored === 1 ? '1 frame' : `${trainingFramesScored.toLocaleString('en-US')} frames`;
  return `Scored on ${frames} this experiment was trained on — not a held-out score.`;
}

/**
 * Best first by present-class mIoU; plain mIoU breaks ties; unscored entries last, in their given order.
 */
export function rankByPresentMiou<T>(
  items: readonly T[],
  score: (item: T) => { miouPresent: number | null; miou: number | null } | null,
): T[] {
  const key = (v: number | null | undefined): number => (v === null || v === undefined || Number.isNaN(v) ? -Infinity : v);
  return items
    .map((item, i) => ({ item, i, s: score(item) }))
    .sort((a, b) => {
      const byPresent = key(b.s?.miouPresent) - key(a.s?.miouPresent);
      if (byPresent !== 0 && !Number.isNaN(byPresent)) return byPresent;
      const byMiou = key(b.s?.miou) - key(a.s?.miou);
      return byMiou !== 0 && !Number.isNaN(byMiou) ? byMiou : a.i - b.i;
    })
    .map((x) => x.item);
}
