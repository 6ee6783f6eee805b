// Where the temporal settings (filter.ts's carry and margin, the state resolution, the flow options) were
// chosen, so reported figures can stay off them: scripts/temporal-tune.ts scores variants on the TRAIN
// split of the demo's data (SynthDrive world seed 5, `demo` defaults), with the experiment of training
// seed 4, and (session 10) on worlds 7201 and 7202, Step 3 tuning worlds too (main/engine/cause/step3/tuning.ts),
// with the `fast`-preset builtin experiment of seed 71 trained on 7201 (scored on 7201's frames, or on 7202's). Reported figures (scripts/temporal-quality.ts, the
// README) come from the demo's val split: other worlds (splitWorldSeed(5, 'val')).
export const TEMPORAL_TUNING = {
  /** SynthDrive world seeds whose frames the temporal settings were scored on. */
  worldSeeds: [5, 7201, 7202] as readonly number[],
  /** Training seeds of the experiments whose predictions were filtered while tuning. */
  trainingSeeds: [4, 71] as readonly number[],
  how:
    'scripts/temporal-tune.ts on the demo workspace train split (world seed 5), experiment seed 4, 30 frames; ' +
    'session 7: the ground prior (plane-motion.ts, ground-prior.ts: fromRow, centralWidth, minCutoff, accept, finestLevel) ' +
    'by scripts/temporal-flow-check.ts and the flow-mode margin / stillMargin by scripts/temporal-tune.ts, both on these frames; ' +
    'session 9: the backward direction and its flow settings (carry 0.9, margin 0.8) by scripts/temporal-tune.ts on all 90 frames of this split; ' +
    'session 10: the ground prior\'s high-pass and starts (ground-prior.ts) and the backward margin / stillMargin, on all 90 frames of world 5 and checked on world 7201; ' +
    'session 11: the line search off the ground plane (epipolar.ts: on, tie 0.005, ±2 px around LK) both ways on world 5 and on 7201 → 7202',
} as const;
