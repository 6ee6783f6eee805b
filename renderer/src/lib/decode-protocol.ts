// Messages between the player's image cache and its decode worker.

/** `image`: a frame to show as is; `ids`: a class/cluster id mask (red channel = id). */
export type DecodeKind = 'image' | 'ids';

export interface DecodeRequest {
  readonly id: number;
  readonly url: string;
  readonly kind: DecodeKind;
}

export type DecodeReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly kind: 'image';
      readonly bitmap: ImageBitmap;
      readonly width: number;
      readonly height: number;
    }
  | {
      readonly id: number;
      readonly ok: true;
      readonly kind: 'ids';
      /** 16-bit for cluster maps of K > 256. */
      readonly ids: Uint8Array | Uint16Array;
      readonly width: number;
      readonly height: number;
    }
  | { readonly id: number; readonly ok: false; readonly message: string };
