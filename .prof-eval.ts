import sharp from 'sharp';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readLabelMap } from './main/engine/datasets/frame-source.js';
import { readLabelPng, readClusterPng } from './main/engine/eval/cluster-png.js';
const W=1024,H=512; const lab=new Uint8Array(W*H);
for (let i=0;i<W*H;i++){ lab[i]=7+(((i>>6)+(i>>15))%27); }
fs.writeFileSync('/tmp/evalscratch/l.png', await sharp(lab,{raw:{width:W,height:H,channels:1}}).png().toBuffer());
let a=0,b=0,c=0;
for (let r=0;r<20;r++){
  let t=performance.now(); await readLabelMap('/tmp/evalscratch/l.png'); a+=performance.now()-t;
  t=performance.now(); const x = await readLabelPng('/tmp/evalscratch/l.png'); b+=performance.now()-t;
  t=performance.now(); await readClusterPng('/tmp/evalscratch/l.png'); c+=performance.now()-t;
  if (r===0) { const y = await readLabelMap('/tmp/evalscratch/l.png'); let same = y.data.length===x.data.length; for (let i=0;i<y.data.length&&same;i++) if (y.data[i]!==x.data[i]) same=false; console.log('same', same); }
}
console.log(`readLabelMap ${(a/20).toFixed(1)} | readLabelPng ${(b/20).toFixed(1)} | readClusterPng ${(c/20).toFixed(1)} ms`);
