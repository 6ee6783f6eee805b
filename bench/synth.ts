// SynthDrive throughput (`npm run bench:synth`): frames per second at 1024×512 through the whole
// generator (render, colour labels, four PNGs, atomic writes) on one thread, and the resident memory
// over a 200-frame sequence, sampled every frame, to show it stays flat. Also times the PNG encoder
// against sharp on the same frame. The machine is shared, so CPU time of this process is reported
// beside wall time: CPU time per frame is what one free core would take.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { generateSynthDrive } from '../main/engine/synth/generate.js';
import { encodePng } from '../main/engine/synth/png.js';
import { Rasterizer } from '../main/engine/synth/raster.js';
import { SynthSequence } from '../main/engine/synth/world.js';

const W = 1024;
const H = 512;
const FRAMES = Number(process.env.SYNTH_BENCH_FRAMES ?? 200);
const command = 'npm run bench:synth';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  sharp.concurrency(1);
  // 1. stage timings on one frame, warmed up
  const world = new SynthSequence({
    seed: 1,
    sequence: 0,
    frames: 30,
    width: W,
    height: H,
    weather: 'clear',
  });
  const r = new Rasterizer(W, H);
  for (let f = 0; f < 5; f++) world.render(r, f);
  const stage = (fn: () => void, reps = 10): number => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / reps;
  };
  let frame = 5;
  const renderMs = stage(() => world.render(r, frame++));
  const ownRgbMs = stage(() => encodePng('rgb8', W, H, r.rgb));
  const ownLabelMs = stage(() => encodePng('gray8', W, H, r.labels));
  const ownInstMs = stage(() => encodePng('gray16', W, H, r.instances));
  const ownRgbBytes = encodePng('rgb8', W, H, r.rgb).length;
  let sharpBytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) {
    sharpBytes = (
      await sharp(Buffer.from(r.rgb), { raw: { width: W, height: H, channels: 3 } })
        .png({ compressionLevel: 3 })
        .toBuffer()
    ).length;
  }
  const sharpRgbMs = (performance.now() - t0) / 5;
  console.log(
    `stages at ${W}x${H}, CPU ms per frame: render ${renderMs.toFixed(1)}, PNG RGB ${ownRgbMs.toFixed(1)} (${(ownRgbBytes / 1024).toFixed(0)} KiB), labelIds ${ownLabelMs.toFixed(1)}, instanceIds ${ownInstMs.toFixed(1)}`,
  );
  console.log(
    `sharp PNG RGB (compressionLevel 3, concurrency 1): ${sharpRgbMs.toFixed(1)} ms wall, ${(sharpBytes / 1024).toFixed(0)} KiB`,
  );

  // 2. the whole generator over one long sequence
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
  const rss: number[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  try {
    await generateSynthDrive(
      { out, sequences: 1, frames: FRAMES, width: W, height: H, seed: 1, weather: 'clear', split: 'train' },
      {
        onFrame: () => {
          const now = performance.now();
          const c = process.cpuUsage(lastCpu);
          wall.push(now - lastWall);
          cpu.push((c.user + c.system) / 1000);
          lastWall = now;
          lastCpu = process.cpuUsage();
          rss.push(process.memoryUsage().rss / 2 ** 20);
        },
      },
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const totalWall = (performance.now() - start) / 1000;
  const c = process.cpuUsage(cpuStart);
  const totalCpu = (c.user + c.system) / 1e6;
  const steady = cpu.slice(5);
  const fpsCpu = 1000 / median(steady);
  const p10 = [...steady].sort((a, b) => a - b)[Math.floor(steady.length * 0.1)]!;
  const fpsWall = 1000 / median(wall.slice(5));
  const at = (i: number) => rss[Math.min(rss.length - 1, i)]!;
  const peak = Math.max(...rss);
  const early = Math.max(...rss.slice(0, Math.min(20, rss.length)));
  const late = Math.max(...rss.slice(Math.floor(rss.length / 2)));
  console.log(`generator, ${FRAMES} frames at ${W}x${H} (render + colour labels + 4 PNGs + atomic writes):`);
  console.log(
    `  median per frame: ${median(steady).toFixed(1)} ms CPU → ${fpsCpu.toFixed(1)} frames/s on one core; ${median(wall.slice(5)).toFixed(1)} ms wall → ${fpsWall.toFixed(1)} frames/s here (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
  );
  console.log(
    `  10th percentile per frame: ${p10.toFixed(1)} ms CPU → ${(1000 / p10).toFixed(1)} frames/s (closest to an uncontended core)`,
  );
  console.log(`  total ${totalWall.toFixed(1)} s wall, ${totalCpu.toFixed(1)} s CPU`);
  console.log(
    `  RSS MiB at frame 1/10/50/100/150/${FRAMES}: ${[0, 9, 49, 99, 149, FRAMES - 1].map((i) => at(i).toFixed(0)).join(' / ')}; peak ${peak.toFixed(0)}; max of first 20 frames ${early.toFixed(0)}, of second half ${late.toFixed(0)}`,
  );
  console.log(`command: ${command}`);
  console.log(
    'BENCH ' +
      JSON.stringify({
        bench: 'synth',
        command,
        width: W,
        height: H,
        frames: FRAMES,
        stagesCpuMs: {
          render: +renderMs.toFixed(1),
          pngRgb: +ownRgbMs.toFixed(1),
          pngLabelIds: +ownLabelMs.toFixed(1),
          pngInstanceIds: +ownInstMs.toFixed(1),
          sharpPngRgbWall: +sharpRgbMs.toFixed(1),
        },
        framesPerSecondOneCore: +fpsCpu.toFixed(2),
        framesPerSecondOneCoreP10: +(1000 / p10).toFixed(2),
        framesPerSecondWall: +fpsWall.toFixed(2),
        targetFramesPerSecond: 10,
        rssMiB: { first20Max: +early.toFixed(1), secondHalfMax: +late.toFixed(1), peak: +peak.toFixed(1) },
        loadAverage: +os.loadavg()[0]!.toFixed(2),
      }),
  );
}

await main();
