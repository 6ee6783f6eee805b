// The evaluation-only motion channel of a frame, when its dataset has one (SynthDrive writes it beside
// leftImg8bit/, see main/engine/synth/motion.ts). Only evaluation reads it.
import fs from 'node:fs';
import { StudioError } from '../../../shared/contract/errors.js';
import { decodeMotion, motionPathForImage, type MotionField } from '../synth/motion.js';

/** The frame's motion to its predecessor, or null when the dataset exports none. */
export async function readFrameMotion(imagePath: string): Promise<MotionField | null> {
  const file = motionPathForImage(imagePath);
  if (!file) return null;
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(file);
  } catch {
    return null;
  }
  try {
    return decodeMotion(buf, file);
  } catch (e) {
    throw new StudioError('invalid_input', (e as Error).message, { file });
  }
}
