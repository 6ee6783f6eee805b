#!/bin/bash
# Issue 21's gate (a), over a list of held-out world pairs fixed BEFORE their figures were seen (session 9).
# Two pairs were measured in session 8 (2 → 3, 11 → 12); 13 → 14, 15 → 16 and 17 → 18 were added unseen, so
# the gate is read over five pairs, not over whichever pair looked best. None is a tuning world
# (main/engine/cause/step3/tuning.ts). Each world: 3 sequences × 10 frames, 512×256.
#
# Run: [PAIRS="13:14 …"] bash scripts/studies/held-out-pairs.sh WORKSPACE [OUT_DIR]   (idempotent: worlds, features and study
# cells already in WORKSPACE are reused; OUT_DIR gets one study.json / study.md / chart.png per pair)
set -euo pipefail
WS=${1:?usage: held-out-pairs.sh WORKSPACE [OUT_DIR]}
OUT=${2:-$WS/studies}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
CS="node $HERE/bin/cause-studio.js --workspace $WS"
PAIRS=${PAIRS:-"2:3 11:12 13:14 15:16 17:18"}
BACKBONES=builtin-vit,builtin
SEEDS=21,22,23

world() {
  local w=$1 backbone
  if ! $CS datasets list 2>/dev/null | grep -q "\bw$w\b"; then
    $CS synth --out "$WS/data/w$w" --sequences 3 --frames 10 --size 512x256 --seed "$w"
    $CS import "$WS/data/w$w" --format cityscapes --name "w$w"
  fi
  for backbone in ${BACKBONES//,/ }; do $CS features --dataset "w$w" --backbone "$backbone"; done
}

for pair in $PAIRS; do
  a=${pair%:*}
  b=${pair#*:}
  world "$a"
  world "$b"
  $CS study --dataset "w$a" --eval-dataset "w$b" --variants "$HERE/scripts/studies/default-vs-kmeans.json" \
    --backbones "$BACKBONES" --seeds "$SEEDS" --out "$OUT/w$a-w$b"
done
