// Decodes frames and id masks off the UI thread. Frames come back as ImageBitmaps (drawn by the 2-D image
// layer as they are); id masks come back as their red channel, one byte per pixel, which is what the GPU
// texture takes (R8) and what the hover read-out indexes — so neither the upload nor a hover has to
// convert RGBA on the UI thread. Cluster maps of K > 256 are 16-bit PNGs: those are decoded here to
// their stored 16-bit values (the browser's decoder would keep only 8 bits).
import type { DecodeReply, DecodeRequest } from './decode-protocol.js';
import { decodeGray16Png, isGray16Png } from './png-gray16.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

async function decode(req: DecodeRequest): Promise<{ reply: DecodeReply; transfer: Transferable[] }> {
  const res = await fetch(req.url);
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).slice(0, 300);
    throw new Error(`HTTP ${res.status}${body === '' ? '' : `: ${body}`}`);
  }
  const blob = await res.blob();
  if (req.kind === 'ids') {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (isGray16Png(bytes)) {
      const { ids, width, height } = await decodeGray16Png(bytes);
      return { reply: { id: req.id, ok: true, kind: 'ids', ids, width, height }, transfer: [ids.buffer] };
    }
  }
  // Ids must stay byte-exact (no colour management, no premultiplication); photos keep their colour profile.
  const bitmap = await createImageBitmap(
    blob,
    req.kind === 'ids'
      ? { colorSpaceConversion: 'none', premultiplyAlpha: 'none' }
      : { premultiplyAlpha: 'none' },
  );
  const { width, height } = bitmap;
  if (req.kind === 'image')
    return { reply: { id: req.id, ok: true, kind: 'image', bitmap, width, height }, transfer: [bitmap] };
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('no 2-D context in the decode worker');
  ctx.drawImage(bitmap, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height);
  bitmap.close();
  const rgba = pixels.data;
  const ids = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < ids.length; i++, j += 4) ids[i] = rgba[j]!;
  return {
    reply: { id: req.id, ok: true, kind: 'ids', ids, width, height },
    transfer: [ids.buffer],
  };
}

scope.onmessage = (e) => {
  const req = e.data;
  // A reply that cannot be posted still answers, so the cache never waits forever.
  decode(req)
    .then(({ reply, transfer }) => scope.postMessage(reply, transfer))
    .catch((err: unknown) =>
      scope.postMessage(
        { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) },
        [],
      ),
    );
};
