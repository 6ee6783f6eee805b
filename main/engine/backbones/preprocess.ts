// Frame → network input. The reference preset reproduces the method's preprocessing: optional
// five-crop (4 corners + centre, each half width × half height), then short side → target and a
// centre crop to width×height, then mean/std normalisation into planar float32 (3 × H × W).
import sharp from 'sharp';
import { StudioError } from '../../../shared/contract/errors.js';
import type { Preprocessing } from '../../../shared/contract/backbones.js';
import { referenceSize, type BackboneDescriptor } from './backbone.js';

export interface CropBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Crop boxes of a frame, in the order the cache stores them. */
export function cropBoxes(width: number, height: number, crops: Preprocessing['crops']): CropBox[] {
  if (crops === 'none') return [{ left: 0, top: 0, width, height }];
  const cw = Math.floor(width / 2);
  const ch = Math.floor(height / 2);
  return [
    { left: 0, top: 0, width: cw, height: ch },
    { left: width - cw, top: 0, width: cw, height: ch },
    { left: 0, top: height - ch, width: cw, height: ch },
    { left: width - cw, top: height - ch, width: cw, height: ch },
    { left: Math.floor((width - cw) / 2), top: Math.floor((height - ch) / 2), width: cw, height: ch },
  ];
}

export function cropCount(crops: Preprocessing['crops']): number {
  return crops === 'five' ? 5 : 1;
}

/** The preprocessing for a backbone: its reference size unless a size is given; sides must be multiples of the patch. */
export function resolvePreprocessing(
  backbone: Pick<BackboneDescriptor, 'id' | 'patchSize' | 'mean' | 'std' | 'fixedSize'>,
  options: { width?: number; height?: number; crops?: Preprocessing['crops'] } = {},
): Preprocessing {
  const ref = backbone.fixedSize ?? { width: referenceSize(backbone.patchSize), height: referenceSize(backbone.patchSize) };
  const width = options.width ?? ref.width;
  const height = options.height ?? options.width ?? ref.height;
  const p = backbone.patchSize;
  if (width % p !== 0 || height % p !== 0) {
    throw new StudioError(
      'bad_request',
      `size ${width}x${height} is not a multiple of backbone ${backbone.id}'s patch size ${p} (try ${Math.round(width / p) * p}x${Math.round(height / p) * p})`,
    );
  }
  if (backbone.fixedSize && (backbone.fixedSize.width !== width || backbone.fixedSize.height !== height)) {
    throw new StudioError(
      'invalid_input',
      `backbone ${backbone.id} has a fixed input size ${backbone.fixedSize.width}x${backbone.fixedSize.height}; ${width}x${height} was asked`,
    );
  }
  return {
    width,
    height,
    crops: options.crops ?? 'none',
    resize: 'short-side-center-crop',
    mean: [backbone.mean[0], backbone.mean[1], backbone.mean[2]],
    std: [backbone.std[0], backbone.std[1], backbone.std[2]],
  };
}

export interface DecodedImage {
  readonly data: Uint8Array; // RGB interleaved
  readonly width: number;
  readonly height: number;
}

/** Decodes a frame (its path, or its bytes already read for hashing) to packed 8-bit RGB. */
export async function decodeRGB(file: string, bytes?: Uint8Array): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(bytes ?? file, { failOn: 'truncated' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return { data, width: info.width, height: info.height };
  } catch (e) {
    throw new StudioError('invalid_input', `${file}: cannot decode image (${(e as Error).message})`, { file });
  }
}

/**
 * The network inputs of one frame: one planar float32 (3×H×W) per crop, written into `out` at
 * consecutive offsets when given (so a batch buffer is filled without copies).
 */
export async function preprocessImage(image: DecodedImage, prep: Preprocessing, out?: Float32Array, offset = 0): Promise<Float32Array> {
  const boxes = cropBoxes(image.width, image.height, prep.crops);
  const per = 3 * prep.width * prep.height;
  const dst = out ?? new Float32Array(per * boxes.length);
  const plane = prep.width * prep.height;
  const scale = [1 / (255 * prep.std[0]), 1 / (255 * prep.std[1]), 1 / (255 * prep.std[2])];
  const shift = [prep.mean[0] / prep.std[0], prep.mean[1] / prep.std[1], prep.mean[2] / prep.std[2]];
  for (let k = 0; k < boxes.length; k++) {
    const box = boxes[k]!;
    let px: Uint8Array;
    if (box.width === prep.width && box.height === prep.height && image.width === prep.width && image.height === prep.height) {
      px = image.data;
    } else {
      // Cover = short side to target, then centre crop: the reference Resize(320) + CenterCrop(320).
      px = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .extract(box)
        .resize(prep.width, prep.height, { fit: 'cover', position: 'centre', kernel: 'linear' })
        .raw()
        .toBuffer();
    }
    const base = offset + k * per;
    for (let i = 0; i < plane; i++) {
      dst[base + i] = px[3 * i]! * scale[0]! - shift[0]!;
      dst[base + plane + i] = px[3 * i + 1]! * scale[1]! - shift[1]!;
      dst[base + 2 * plane + i] = px[3 * i + 2]! * scale[2]! - shift[2]!;
    }
  }
  return dst;
}
