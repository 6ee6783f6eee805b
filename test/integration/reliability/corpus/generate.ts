// The bad-input corpus: files and trees that are each wrong in one way, written under `dir` from a seed.
// Every case says which entry point it goes through and what the answer must name (the file, or the
// field, the problem lives in). Cases that need the baseline workspace (a bundle, a mapping) get what
// they derive from through `base`.
import fs from 'node:fs';
import path from 'node:path';
import { readTar, writeTar, type TarEntry } from '../../../../main/engine/eval/tar.js';
import * as b from './bytes.js';

export type Entry = 'import' | 'frames' | 'video' | 'models' | 'map' | 'bundle' | 'protocol' | 'settings' | 'assets' | 'database' | 'shards';

export interface Case {
  readonly id: string;
  readonly entry: Entry;
  /** The input: a file or folder. */
  readonly path: string;
  /** What the error (or the import report, or the job result) must contain: the bad file's name, or the field. */
  readonly names: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface CorpusBase {
  /** A valid bundle exported from the baseline experiment. */
  readonly bundle: string;
  /** A valid mapping exported from the baseline experiment. */
  readonly mapping: string;
  readonly clusters: number;
}

export interface Corpus {
  readonly cases: Case[];
  /** Cases not run on this machine, with why (e.g. unreadable files when running as root). */
  readonly skipped: { id: string; why: string }[];
}

export async function generateCorpus(dir: string, base: CorpusBase): Promise<Corpus> {
  fs.mkdirSync(dir, { recursive: true });
  const cases: Case[] = [];
  const skipped: { id: string; why: string }[] = [];
  const add = (c: Case) => cases.push(c);
  const folder = (id: string) => {
    const d = path.join(dir, id);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const png = await b.goodPng(1);
  const jpg = await b.goodJpeg(2);

  // --- 1. Images through folder import: each folder holds only the bad frame, so the import fails
  //        naming it (or, with a good frame beside it, the report names it).
  const imageCases: [string, Buffer, string][] = [
    ['zero.png', Buffer.alloc(0), 'frame.png'],
    ['zero.jpg', Buffer.alloc(0), 'frame.jpg'],
    ['png-cut-header', png.subarray(0, 20), 'frame.png'],
    ['png-cut-half', png.subarray(0, png.length >> 1), 'frame.png'],
    ['png-cut-tail', png.subarray(0, png.length - 5), 'frame.png'],
    ['jpg-cut-half', jpg.subarray(0, jpg.length >> 1), 'frame.jpg'],
    ['jpg-cut-header', jpg.subarray(0, 30), 'frame.jpg'],
    ['jpg-no-eoi', jpg.subarray(0, jpg.length - 2), 'frame.jpg'],
    ['png-bad-signature', b.flip(png, 1), 'frame.png'],
    ['png-ihdr-type', b.flip(png, 12), 'frame.png'],
    ['png-zero-width', (() => { const x = Buffer.from(png); x.writeUInt32BE(0, 16); return x; })(), 'frame.png'],
    ['png-colour-type-9', (() => { const x = Buffer.from(png); x[25] = 9; return x; })(), 'frame.png'],
    ['png-bomb-60000', b.bombPng(), 'frame.png'],
    ['jpg-bad-marker', b.flip(jpg, 2, 0x0f), 'frame.jpg'],
    ['jpg-zero-size', (() => { const x = Buffer.from(jpg); const s = b.offsetOf(jpg, [0xff, 0xc0]); x.writeUInt16BE(0, s + 5); return x; })(), 'frame.jpg'],
    ['text-named-png', Buffer.from('this is not an image\n'), 'frame.png'],
    ['html-named-jpg', Buffer.from('<!doctype html><title>404</title>'), 'frame.jpg'],
    ['gif-named-png', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'frame.png'],
    ['noise-named-png', b.noise(4096, 7), 'frame.png'],
    ['jpeg-named-png-cut', jpg.subarray(0, 100), 'frame.png'],
  ];
  for (const [id, bytes, name] of imageCases) {
    b.writeFile(path.join(folder(`import-${id}`), name), bytes);
    add({ id: `import-${id}`, entry: 'import', path: path.join(dir, `import-${id}`), names: name });
  }

  // Names and file kinds.
  {
    const d = folder('import-newline-name');
    b.writeFile(path.join(d, 'bad\nname.png'), png.subarray(0, 40));
    add({ id: 'import-newline-name', entry: 'import', path: d, names: 'bad\nname.png' });
  }
  {
    const d = folder('import-non-utf8-name');
    // The name's bytes are not UTF-8: readdir hands back U+FFFD where they were.
    fs.writeFileSync(Buffer.concat([Buffer.from(d + '/fr'), Buffer.from([0xff, 0xfe]), Buffer.from('me.png')]), png);
    add({ id: 'import-non-utf8-name', entry: 'import', path: d, names: 'fr\ufffd\ufffdme.png' });
  }
  {
    const d = folder('import-symlink-self');
    fs.symlinkSync('frame.png', path.join(d, 'frame.png'));
    add({ id: 'import-symlink-self', entry: 'import', path: d, names: 'frame.png' });
  }
  {
    const d = folder('import-symlink-pair');
    fs.symlinkSync('b.png', path.join(d, 'a.png'));
    fs.symlinkSync('a.png', path.join(d, 'b.png'));
    add({ id: 'import-symlink-pair', entry: 'import', path: d, names: 'a.png' });
  }
  {
    const d = folder('import-dir-loop');
    fs.mkdirSync(path.join(d, 'seq'));
    fs.symlinkSync('..', path.join(d, 'seq', 'loop'));
    fs.symlinkSync('.', path.join(d, 'seq', 'self.png'));
    add({ id: 'import-dir-loop', entry: 'import', path: d, names: 'self.png' });
  }
  {
    const d = folder('import-dangling-link');
    fs.symlinkSync('/nonexistent/frame.png', path.join(d, 'frame.png'));
    add({ id: 'import-dangling-link', entry: 'import', path: d, names: 'frame.png' });
  }
  {
    const d = folder('import-dir-named-png');
    fs.mkdirSync(path.join(d, 'frame.png'));
    fs.mkdirSync(path.join(d, 'other'));
    b.writeFile(path.join(d, 'other', 'x.png'), Buffer.alloc(0));
    add({ id: 'import-dir-named-png', entry: 'import', path: d, names: 'x.png' });
  }
  {
    const d = folder('import-fifo-png');
    // A FIFO blocks whoever opens it for reading: the import must not wait on it.
    const made = b.mkfifo(path.join(d, 'frame.png'));
    if (made) add({ id: 'import-fifo-png', entry: 'import', path: d, names: 'frame.png' });
    else skipped.push({ id: 'import-fifo-png', why: 'mkfifo not available' });
  }
  {
    const d = folder('import-device-png');
    fs.symlinkSync('/dev/zero', path.join(d, 'frame.png'));
    add({ id: 'import-device-png', entry: 'import', path: d, names: 'frame.png' });
  }
  {
    const d = folder('import-unreadable');
    const f = b.writeFile(path.join(d, 'frame.png'), png);
    fs.chmodSync(f, 0);
    // root reads a mode-000 file anyway: the case would not test anything, so it is skipped and said.
    if (process.getuid?.() === 0) skipped.push({ id: 'import-unreadable', why: 'running as root: mode 000 does not deny reads' });
    else add({ id: 'import-unreadable', entry: 'import', path: d, names: 'frame.png' });
  }
  add({ id: 'import-missing-folder', entry: 'import', path: path.join(dir, 'no-such-folder'), names: 'no-such-folder' });
  {
    const d = folder('import-empty-folder');
    add({ id: 'import-empty-folder', entry: 'import', path: d, names: 'import-empty-folder' });
  }
  {
    const f = b.writeFile(path.join(dir, 'import-a-text-file.txt'), 'hello');
    add({ id: 'import-not-folder', entry: 'import', path: f, names: 'import-a-text-file.txt' });
  }

  // Labels: a good image beside a bad label map; the import succeeds and its report names the label.
  const labelCases: [string, Buffer | null, string][] = [
    ['label-16bit-300', b.gray16Label(300), 'the value'],
    ['label-16bit-65535', b.gray16Label(65535), 'the value'],
    ['label-palette-outside', b.paletteLabel(200), 'the value'],
    ['label-gray-outside', b.grayLabel(77), 'the value'],
    ['label-size-mismatch', b.grayLabel(7, 32, 24), 'frame.png'],
    ['label-cut', b.grayLabel(7).subarray(0, 60), 'frame.png'],
    ['label-corrupt-idat', b.flip(b.grayLabel(7), 45), 'frame.png'],
    ['label-jpeg', null, 'frame.png'],
    ['label-text', Buffer.from('not a label'), 'frame.png'],
    ['label-bomb-60000', b.bombPng(), 'frame.png'],
    ['label-interlaced', (() => { const x = b.grayLabel(7); x[28] = 1; return x; })(), 'frame.png'],
    ['label-zero', Buffer.alloc(0), 'frame.png'],
  ];
  for (const [id, bytes, names] of labelCases) {
    const d = folder(`import-${id}`);
    fs.mkdirSync(path.join(d, 'images'));
    fs.mkdirSync(path.join(d, 'labels'));
    b.writeFile(path.join(d, 'images', 'frame.png'), png);
    b.writeFile(path.join(d, 'labels', 'frame.png'), bytes ?? jpg);
    add({ id: `import-${id}`, entry: 'import', path: d, names: names === 'the value' ? 'labels/frame.png' : `labels/${names}`, args: { format: 'folder' } });
  }

  // --- 2. One bad frame among good ones: import keeps it (its header is fine), feature extraction must
  //        skip it, finish the others and list it.
  const frameCases: [string, Buffer, string][] = [
    ['png-idat-flip', b.flip(png, b.offsetOf(png, 'IDAT') + 20), 'bad.png'],
    ['png-zlib-header', b.flip(png, b.offsetOf(png, 'IDAT') + 5, 0x10), 'bad.png'],
    ['jpg-huffman', (() => { const x = Buffer.from(jpg); const s = b.offsetOf(jpg, [0xff, 0xc4]); x.fill(0xff, s + 5, s + 21); return x; })(), 'bad.jpg'],
    ['jpg-sos-component', (() => { const x = Buffer.from(jpg); x[b.offsetOf(jpg, [0xff, 0xda]) + 5] = 0x77; return x; })(), 'bad.jpg'],
    ['jpg-dqt-index', (() => { const x = Buffer.from(jpg); x[b.offsetOf(jpg, [0xff, 0xdb]) + 4] = 0x3f; return x; })(), 'bad.jpg'],
    ['png-short-data', b.rawPng({ width: b.W, height: b.H, bitDepth: 8, colorType: 2, rows: Buffer.alloc((b.W * 3 + 1) * 4) }), 'bad.png'],
  ];
  for (const [id, bytes, name] of frameCases) {
    const d = folder(`frames-${id}`);
    b.writeFile(path.join(d, 'a.png'), await b.goodPng(11));
    b.writeFile(path.join(d, name), bytes);
    b.writeFile(path.join(d, 'c.png'), await b.goodPng(12));
    add({ id: `frames-${id}`, entry: 'frames', path: d, names: name });
  }

  // --- 3. Videos.
  {
    const d = folder('video');
    const good = path.join(d, 'good.mp4');
    const made = b.ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-t', '1', '-pix_fmt', 'yuv420p', good]);
    const audio = path.join(d, 'audio-only.mp4');
    const madeAudio = b.ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '0.5', '-c:a', 'aac', audio]);
    const zero = path.join(d, 'no-frames.mp4');
    const madeZero = b.ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-frames:v', '0', '-pix_fmt', 'yuv420p', zero]);
    if (!made) skipped.push({ id: 'video-*', why: 'ffmpeg not available' });
    else {
      const bytes = fs.readFileSync(good);
      const v = (id: string, data: Uint8Array) => {
        const f = b.writeFile(path.join(d, `${id}.mp4`), data);
        add({ id: `video-${id}`, entry: 'video', path: f, names: `${id}.mp4` });
      };
      v('zero-bytes', Buffer.alloc(0));
      v('garbage', b.noise(20_000, 3));
      v('cut-half', bytes.subarray(0, bytes.length >> 1));
      v('cut-header', bytes.subarray(0, 40));
      v('text', Buffer.from('not a video at all'));
      if (madeAudio) add({ id: 'video-audio-only', entry: 'video', path: audio, names: 'audio-only.mp4' });
      if (madeZero) add({ id: 'video-no-frames', entry: 'video', path: zero, names: 'no-frames.mp4' });
      const dirVideo = path.join(d, 'folder.mp4');
      fs.mkdirSync(dirVideo);
      add({ id: 'video-folder-named-mp4', entry: 'import', path: dirVideo, names: 'folder.mp4' });
    }
  }

  // --- 4. ONNX models through `models add`.
  {
    const d = folder('models');
    const good = b.goodOnnx();
    const m = (id: string, data: Uint8Array | null, names = `${id}.onnx`) => {
      const f = path.join(d, `${id}.onnx`);
      if (data) fs.writeFileSync(f, data);
      add({ id: `models-${id}`, entry: 'models', path: f, names });
    };
    m('zero-bytes', new Uint8Array(0));
    m('cut-half', good.subarray(0, good.length >> 1));
    m('cut-tail', good.subarray(0, good.length - 3));
    m('garbage', b.noise(5000, 5));
    m('text', Buffer.from('{"not": "onnx"}'));
    m('feature-map-output', b.featureMapOnnx());
    m('one-channel-input', b.oneChannelOnnx());
    m('dangling-input', b.danglingOnnx());
    m('missing', null);
    const sub = path.join(d, 'inner');
    fs.mkdirSync(sub);
    const up = b.externalDataOnnx('../outside.bin');
    b.writeFile(path.join(d, 'outside.bin'), up.data);
    b.writeFile(path.join(sub, 'external-parent.onnx'), up.model);
    add({ id: 'models-external-parent', entry: 'models', path: path.join(sub, 'external-parent.onnx'), names: '../outside.bin' });
    const abs = b.externalDataOnnx(path.join(d, 'outside.bin'));
    b.writeFile(path.join(sub, 'external-absolute.onnx'), abs.model);
    add({ id: 'models-external-absolute', entry: 'models', path: path.join(sub, 'external-absolute.onnx'), names: 'outside.bin' });
    const missing = b.externalDataOnnx('weights.bin');
    b.writeFile(path.join(sub, 'external-missing.onnx'), missing.model);
    add({ id: 'models-external-missing', entry: 'models', path: path.join(sub, 'external-missing.onnx'), names: 'weights.bin' });
    const short = b.externalDataOnnx('short.bin');
    b.writeFile(path.join(sub, 'short.bin'), short.data.subarray(0, 10));
    b.writeFile(path.join(sub, 'external-short.onnx'), short.model);
    add({ id: 'models-external-short', entry: 'models', path: path.join(sub, 'external-short.onnx'), names: 'external-short.onnx' });
    fs.mkdirSync(path.join(d, 'folder.onnx'));
    add({ id: 'models-folder', entry: 'models', path: path.join(d, 'folder.onnx'), names: 'folder.onnx' });
  }

  // --- 5. Mapping JSON through `map import`.
  {
    const d = folder('mappings');
    const good = JSON.parse(fs.readFileSync(base.mapping, 'utf8')) as Record<string, unknown>;
    const mj = (id: string, content: string | Uint8Array, names = `${id}.json`) => {
      const f = b.writeFile(path.join(d, `${id}.json`), content);
      add({ id: `map-${id}`, entry: 'map', path: f, names });
    };
    const edit = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    mj('zero-bytes', '');
    mj('not-json', '{ "schemaVersion": 1, ');
    mj('array', '[1, 2, 3]');
    mj('null', 'null');
    mj('non-utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    mj('schema-too-new', edit({ schemaVersion: 99 }));
    mj('schema-zero', edit({ schemaVersion: 0 }));
    mj('wrong-cluster-count', edit({ clusters: (good.clusters as unknown[]).slice(1) }));
    mj('unknown-class', edit({ clusters: (good.clusters as unknown[]).map(() => 'no-such-class') }));
    mj('duplicate-class-names', edit({ classNames: [...(good.classNames as string[]), (good.classNames as string[])[0]] }));
    mj('clusters-not-array', edit({ clusters: 'road' }));
    mj('extra-field', edit({ surprise: true }));
    mj('deep-nesting', '['.repeat(100_000) + ']'.repeat(100_000));
    fs.mkdirSync(path.join(d, 'folder.json'));
    add({ id: 'map-folder', entry: 'map', path: path.join(d, 'folder.json'), names: 'folder.json' });
    add({ id: 'map-missing', entry: 'map', path: path.join(d, 'missing.json'), names: 'missing.json' });
  }

  // --- 6. Label protocol JSON through an import's --protocol.
  {
    const d = folder('protocols');
    const data = folder('protocols-data');
    fs.mkdirSync(path.join(data, 'images'));
    fs.mkdirSync(path.join(data, 'labels'));
    b.writeFile(path.join(data, 'images', 'frame.png'), png);
    b.writeFile(path.join(data, 'labels', 'frame.png'), b.grayLabel(1));
    const good = { schemaVersion: 1, id: 'corpus-roads', name: 'Roads', classes: [{ name: 'road', color: [1, 2, 3], values: [1] }], ignore: [0] };
    const pj = (id: string, content: string | Uint8Array, names = `${id}.json`) => {
      const f = b.writeFile(path.join(d, `${id}.json`), content);
      add({ id: `protocol-${id}`, entry: 'protocol', path: f, names, args: { data } });
    };
    const edit = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    pj('zero-bytes', '');
    pj('not-json', '{"schemaVersion": 1,');
    pj('schema-2', edit({ schemaVersion: 2 }));
    pj('bad-id', edit({ id: 'Has Spaces' }));
    pj('builtin-id', edit({ id: 'cityscapes-27' }));
    pj('no-classes', edit({ classes: [] }));
    pj('value-300', edit({ classes: [{ name: 'road', color: [1, 2, 3], values: [300] }] }));
    pj('duplicate-values', edit({ classes: [{ name: 'a', color: [1, 2, 3], values: [1] }, { name: 'b', color: [1, 2, 3], values: [1] }] }));
    pj('bad-colour', edit({ classes: [{ name: 'road', color: 'red' }] }));
    pj('ignore-overlap', edit({ ignore: [1] }));
    pj('non-utf8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]));
  }

  // --- 7. Bundles through `bundle import`.
  {
    const d = folder('bundles');
    const tarBytes = fs.readFileSync(base.bundle);
    const entries = readTar(tarBytes, base.bundle);
    const manifest = JSON.parse(new TextDecoder().decode(entries.find((e) => e.name === 'manifest.json')!.data)) as Record<string, unknown>;
    const bt = (id: string, data: Uint8Array, names = `${id}.tar`) => {
      const f = b.writeFile(path.join(d, `${id}.tar`), data);
      add({ id: `bundle-${id}`, entry: 'bundle', path: f, names });
    };
    const withEntries = (list: readonly TarEntry[]) => rawTar(list);
    const setJson = (name: string, value: unknown) => {
      const data = new TextEncoder().encode(JSON.stringify(value));
      return rehash(entries.map((e) => (e.name === name ? { name, data } : e)));
    };
    bt('zero-bytes', new Uint8Array(0));
    bt('garbage', b.noise(3000, 9));
    bt('cut-half', tarBytes.subarray(0, tarBytes.length >> 1));
    bt('header-checksum', b.flip(tarBytes, 150, 0x01));
    bt('dotdot-name', withEntries([...entries, { name: '../../escape.txt', data: new TextEncoder().encode('x') }]), '../../escape.txt');
    bt('absolute-name', withEntries([...entries, { name: '/tmp/escape.txt', data: new TextEncoder().encode('x') }]), '/tmp/escape.txt');
    bt('duplicate-model', withEntries([...entries, { name: 'model.bin', data: new Uint8Array(16) }]), 'model.bin');
    bt('duplicate-manifest', withEntries([...entries, entries.find((e) => e.name === 'manifest.json')!]), 'manifest.json');
    bt('declares-2gb', declareSize(rawTar(entries), 'model.bin', 2 * 1024 ** 3), 'model.bin');
    bt('no-manifest', withEntries(entries.filter((e) => e.name !== 'manifest.json')), 'manifest.json');
    bt('no-model', rehash(entries.filter((e) => e.name !== 'model.bin')), 'model.bin');
    bt('manifest-not-json', withEntries(entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: new TextEncoder().encode('{nope') } : e))), 'manifest.json');
    bt('schema-too-new', withEntries(entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: new TextEncoder().encode(JSON.stringify({ ...manifest, schemaVersion: 9 })) } : e))), 'schemaVersion');
    const exp = manifest.experiment as Record<string, unknown>;
    bt('other-experiment', withEntries(entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: new TextEncoder().encode(JSON.stringify({ ...manifest, experiment: { ...exp, id: 'exp-other', method: 'cause-tr', clusters: 27 } })) } : e))), 'config.json');
    bt('tampered-model', withEntries(entries.map((e) => (e.name === 'model.bin' ? { name: e.name, data: b.flip(Buffer.from(e.data), 10) } : e))), 'model.bin');
    bt('config-invalid', setJson('config.json', { schemaVersion: 1, method: 'nope' }), 'config.json');
    bt('mapping-invalid', setJson('mapping.json', { schemaVersion: 1, clusters: 'x' }), 'mapping.json');
    bt('metrics-not-json', rehash(entries.map((e) => (e.name === 'metrics.json' ? { name: e.name, data: new TextEncoder().encode('{oops') } : e))), 'metrics.json');
    bt('model-garbage', rehash(entries.map((e) => (e.name === 'model.bin' ? { name: e.name, data: b.noise(64, 4) } : e))), 'model.bin');
    bt('symlink-entry', symlinkEntry(entries), 'model.bin');
    fs.mkdirSync(path.join(d, 'folder.tar'));
    add({ id: 'bundle-folder', entry: 'bundle', path: path.join(d, 'folder.tar'), names: 'folder.tar' });
  }

  // --- 8. Settings (engine side), and a setting that points video import at something that is not ffmpeg.
  {
    const d = folder('settings');
    add({ id: 'settings-ffmpeg-number', entry: 'settings', path: d, names: 'ffmpegPath', args: { key: 'ffmpegPath', value: 42 } });
    add({ id: 'settings-ffmpeg-object', entry: 'settings', path: d, names: 'ffmpegPath', args: { key: 'ffmpegPath', value: { bin: 'x' } } });
    add({ id: 'settings-ffmpeg-empty', entry: 'settings', path: d, names: 'ffmpegPath', args: { key: 'ffmpegPath', value: '' } });
    add({ id: 'settings-ffmpeg-newline', entry: 'settings', path: d, names: 'ffmpegPath', args: { key: 'ffmpegPath', value: '/usr/bin/ffmpeg\n--evil' } });
    const notFfmpeg = b.writeFile(path.join(d, 'not-ffmpeg.sh'), '#!/bin/sh\nexit 3\n');
    fs.chmodSync(notFfmpeg, 0o755);
    add({ id: 'settings-ffmpeg-not-ffmpeg', entry: 'settings', path: notFfmpeg, names: 'not-ffmpeg.sh', args: { key: 'ffmpegPath', value: notFfmpeg, thenVideo: true } });
    add({ id: 'settings-ffmpeg-missing', entry: 'settings', path: d, names: 'no-ffmpeg-here', args: { key: 'ffmpegPath', value: path.join(d, 'no-ffmpeg-here'), thenVideo: true } });
  }

  // --- 9. Feature shards damaged on disk (in a scratch workspace: the damage is the input). The shard's
  //        own name is what must be named; the runner finds it, so `names` is filled in there.
  for (const damage of ['truncate', 'flip-payload', 'flip-header', 'zero-bytes', 'garbage', 'delete']) {
    add({ id: `shards-${damage}`, entry: 'shards', path: '', names: '(the shard file)', args: { damage } });
  }

  // --- 10. Databases (a workspace whose database is not ours to open).
  {
    const dbCase = (id: string, write: (file: string) => void, names = 'studio.db') => {
      const ws = folder(`database-${id}`);
      write(path.join(ws, 'studio.db'));
      add({ id: `database-${id}`, entry: 'database', path: ws, names });
      // the same workspace opened by the CLI in a child process: exit 1 and one line, not a stack
      add({ id: `database-cli-${id}`, entry: 'database', path: ws, names, args: { cli: true } });
    };
    dbCase('garbage', (f) => fs.writeFileSync(f, b.noise(8192, 21)));
    dbCase('text', (f) => fs.writeFileSync(f, 'SQLite format 3 but not really\n'.repeat(20)));
    dbCase('sqlite-header-only', (f) => fs.writeFileSync(f, Buffer.concat([Buffer.from('SQLite format 3\0'), b.noise(84, 2)])));
    dbCase('newer-schema', (f) => b.newerSchemaDb(f));
    dbCase('folder', (f) => fs.mkdirSync(f));
  }
  return { cases, skipped };
}

/** Tar bytes of entries as given: any names, duplicates included (writeTar refuses those on purpose). */
function rawTar(entries: readonly TarEntry[]): Uint8Array {
  const safe = entries.map((e, i) => ({ name: `e${i}`, data: e.data }));
  const out = writeTar(safe);
  let pos = 0;
  entries.forEach((e) => {
    const h = out.subarray(pos, pos + 512);
    h.fill(0, 0, 100);
    h.set(new TextEncoder().encode(e.name).subarray(0, 100), 0);
    fixChecksum(h);
    pos += 512 + Math.ceil(e.data.length / 512) * 512;
  });
  return out;
}

function fixChecksum(h: Uint8Array): void {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i]!;
  h.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
}

/** Rewrites an entry's declared size (the data stays as it was). */
function declareSize(tar: Uint8Array, name: string, size: number): Uint8Array {
  const out = Uint8Array.from(tar);
  let pos = 0;
  while (pos + 512 <= out.length) {
    const h = out.subarray(pos, pos + 512);
    const entryName = new TextDecoder().decode(h.subarray(0, 100)).replace(/\0.*$/s, '');
    const declared = parseInt(new TextDecoder().decode(h.subarray(124, 136)).replace(/\0.*$/s, '').trim() || '0', 8);
    if (entryName === name) {
      h.set(new TextEncoder().encode(size.toString(8).padStart(11, '0') + '\0'), 124);
      fixChecksum(h);
      return out;
    }
    pos += 512 + Math.ceil(declared / 512) * 512;
  }
  throw new Error(`corpus: no entry ${name}`);
}

/** The bundle with model.bin stored as a symbolic link to /etc/passwd (tar type '2'). */
function symlinkEntry(entries: readonly TarEntry[]): Uint8Array {
  const tar = rawTar(entries.map((e) => (e.name === 'model.bin' ? { name: e.name, data: new Uint8Array(0) } : e)));
  let pos = 0;
  for (const e of entries) {
    const h = tar.subarray(pos, pos + 512);
    if (e.name === 'model.bin') {
      h[156] = 0x32;
      h.set(new TextEncoder().encode('/etc/passwd'), 157);
      fixChecksum(h);
    }
    pos += 512 + Math.ceil((e.name === 'model.bin' ? 0 : e.data.length) / 512) * 512;
  }
  return tar;
}

/** Entries with a manifest whose hashes match them again: the bundle passes its integrity check. */
function rehash(entries: readonly TarEntry[]): Uint8Array {
  const m = entries.find((e) => e.name === 'manifest.json')!;
  const manifest = JSON.parse(new TextDecoder().decode(m.data)) as { files: { name: string; bytes: number; sha256: string }[] };
  const files = entries.filter((e) => e.name !== 'manifest.json').map((e) => ({ name: e.name, bytes: e.data.length, sha256: b.sha256(e.data) }));
  const data = new TextEncoder().encode(JSON.stringify({ ...manifest, files }));
  return rawTar([{ name: 'manifest.json', data }, ...entries.filter((e) => e.name !== 'manifest.json')]);
}
