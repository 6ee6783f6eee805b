// The mask layer of the player: a transparent WebGL2 canvas over the 2-D image layer. Masks arrive as id
// images (class or cluster ids, one byte per pixel, R8 textures; cluster maps of K > 256 two bytes, RG8,
// low and high byte); colours come from palette textures (256 entries, 1024 for clusters), so opacity, palette edits, isolate, layer toggles and mapping edits are uniform/texture updates,
// never a per-pixel JS loop.
//
// Why the frame itself is not drawn here: in headless Chromium without a GPU, WebGL runs on SwiftShader (a
// CPU rasteriser), so every fragment-shader pixel and every byte uploaded costs CPU time, and the canvas is
// read back each frame for the software compositor. Measured (bench:player), uploading the RGBA frame and
// filtering it bilinearly in the shader cost more than everything else in a step; drawing the decoded
// ImageBitmap with Canvas 2D costs ~nothing. So this shader only looks up mask colours (two texture
// fetches per visible layer), and each combination of layers gets its own compiled program, so the common
// case (one layer) runs no code for the others.
import { LAYER_BITS } from './layers.js';
import { CLUSTER_LUT_ROWS, composePalette, MAX_CLUSTER_IDS, padTable, programKey } from './mask-program.js';
import { SlotRing } from './texture-ring.js';
import { fitScale, type ViewTransform } from './view-geometry.js';

export { LAYER_BITS, type LayerName } from './layers.js';
export { composePalette, MAX_CLUSTER_IDS, programKey } from './mask-program.js';

export interface DrawState extends ViewTransform {
  layers: number;
  opacity: number;
  highlightCluster: number | null;
}

/** An id mask as decoded by the image cache; `key` (its URL) names it in the texture ring. */
export interface MaskPixels {
  readonly key: string;
  /** One id per pixel; 16-bit ids (K > 256) go up as two bytes per texel (RG8: low, high). */
  readonly ids: Uint8Array | Uint16Array;
  readonly width: number;
  readonly height: number;
}

const VERTEX = `#version 300 es
in vec2 a_pos;
uniform vec2 u_scale;
uniform vec2 u_offset;
out vec2 v_uv;
void main() {
  v_uv = a_pos;
  vec2 clip = (a_pos * 2.0 - 1.0) * u_scale + u_offset;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
}`;

// The output is premultiplied: the page composites it over the image layer as rgb + (1 - a) * image, which
// is exactly the chain of "mix(base, colour, alpha)" steps the layers apply, so the result matches drawing
// the image and the masks in one shader.
const FRAGMENT_BODY = `
precision highp float;
precision highp int;
in vec2 v_uv;
out vec4 outColor;
uniform sampler2D u_gt;           // R8: raw ground-truth value
uniform sampler2D u_clusters;     // R8: cluster id; RG8: low and high byte of a 16-bit id (R8 reads g = 0)
uniform sampler2D u_gtColor;      // 256 x 1: raw GT value -> class colour (a = 0 hidden / ignore)
uniform sampler2D u_clusterColor; // 256 x ROWS: cluster id -> cluster colour (a = 0 hidden)
uniform sampler2D u_classColor;   // 256 x ROWS: cluster id -> its mapped class's colour (a = 0 unmapped / hidden)
uniform sampler2D u_classIds;     // 256 x (1 + ROWS), R8: row 0 raw GT value -> class, then cluster -> class (255 = none)
uniform float u_opacity;
uniform int u_highlightCluster;

const float ROWS = ${CLUSTER_LUT_ROWS.toFixed(1)};
vec2 lutUv(float v, float row) { return vec2(v * (255.0 / 256.0) + 0.5 / 256.0, row); }
// A cluster texel (low, high byte) -> its entry in a 256 x rows table starting at row first.
vec2 clusterUv(vec2 id, float first, float rows) { return lutUv(id.r, (first + floor(id.g * 255.0 + 0.5) + 0.5) / rows); }
int toId(float v) { return int(v * 255.0 + 0.5); }
void over(inout vec4 acc, vec3 c, float a) { acc = vec4(mix(acc.rgb, c, a), 1.0 - (1.0 - acc.a) * (1.0 - a)); }
void scale(inout vec4 acc, float k) { acc = vec4(acc.rgb * k, 1.0 - (1.0 - acc.a) * k); }

void main() {
  vec4 acc = vec4(0.0);
#if NEED_GT
  float gt = texture(u_gt, v_uv).r;
#endif
#if NEED_CLUSTERS
  vec2 cluster = texture(u_clusters, v_uv).rg;
#endif
#if LAYER_GT
  vec4 g = texture(u_gtColor, lutUv(gt, 0.5));
  over(acc, g.rgb, g.a * u_opacity);
#endif
#if LAYER_CLUSTERS
  vec4 k = texture(u_clusterColor, clusterUv(cluster, 0.0, ROWS));
  over(acc, k.rgb, k.a * u_opacity);
#endif
#if LAYER_CLASSES
  vec4 m = texture(u_classColor, clusterUv(cluster, 0.0, ROWS));
  over(acc, m.rgb, m.a * u_opacity);
#endif
#if LAYER_ERRORS
  int gtClass = toId(texture(u_classIds, lutUv(gt, 0.5 / (ROWS + 1.0))).r);
  int predClass = toId(texture(u_classIds, clusterUv(cluster, 1.0, ROWS + 1.0)).r);
  if (gtClass != 255 && predClass != gtClass) {
    // Diagonal hatching, so the error layer never relies on colour alone.
    float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 8.0));
    over(acc, mix(vec3(1.0, 0.15, 0.15), vec3(0.2, 0.0, 0.0), stripe), u_opacity);
  }
#endif
#if HIGHLIGHT
  if (toId(cluster.r) + 256 * toId(cluster.g) == u_highlightCluster) over(acc, vec3(1.0, 1.0, 0.2), 0.55);
  else scale(acc, 0.45);
#endif
  outColor = acc;
}`;

type MaskName = 'gt' | 'clusters';
type LutTexture = 'gtColor' | 'clusterColor' | 'classColor' | 'classIds';
const UNITS: Record<MaskName | LutTexture, number> = {
  gt: 0,
  clusters: 1,
  gtColor: 2,
  clusterColor: 3,
  classColor: 4,
  classIds: 5,
};

interface Program {
  readonly program: WebGLProgram;
  readonly scale: WebGLUniformLocation | null;
  readonly offset: WebGLUniformLocation | null;
  readonly opacity: WebGLUniformLocation | null;
  readonly highlight: WebGLUniformLocation | null;
}

interface Slot {
  texture: WebGLTexture;
  width: number;
  height: number;
  /** gl.R8 or gl.RG8 (16-bit ids). */
  format: number;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (shader === null) throw new Error('WebGL2: could not create a shader');
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`WebGL2 shader failed to compile: ${gl.getShaderInfoLog(shader) ?? ''}`);
  }
  return shader;
}

export class MaskRenderer {
  private readonly gl: WebGL2RenderingContext;
  private readonly vertex: WebGLShader;
  private readonly programs = new Map<number, Program>();
  private readonly luts: Record<LutTexture, WebGLTexture>;
  private readonly ring: SlotRing<string>;
  private readonly slots: (Slot | undefined)[] = [];
  private readonly shown: Record<MaskName, string | null> = { gt: null, clusters: null };
  private imageSize: [number, number] = [1, 1];
  /** The drawing-buffer size at which the canvas was last cleared with nothing drawn (null: it shows masks). */
  private blankAt: string | null = null;
  // Palette inputs, composed into the colour textures whenever one of them changes.
  private classPalette = new Uint8Array(1024);
  private clusterPalette = new Uint8Array(MAX_CLUSTER_IDS * 4);
  private gtLut = Uint8Array.from({ length: 256 }, (_, i) => i);
  private clusterToClass = new Uint8Array(MAX_CLUSTER_IDS).fill(255);

  /** `ringSize`: mask textures kept on the GPU (the shown ones plus those uploaded ahead). */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    ringSize = 12,
  ) {
    const gl = canvas.getContext('webgl2', {
      alpha: true,
      premultipliedAlpha: true,
      antialias: false,
      depth: false,
      stencil: false,
      // No readback of our own; the compositor's copy is the only one.
      preserveDrawingBuffer: false,
    });
    if (gl === null)
      throw new Error('WebGL2 is not available in this browser; the player needs it to draw masks.');
    this.gl = gl;
    this.ring = new SlotRing<string>(Math.max(2, ringSize));
    this.vertex = compile(gl, gl.VERTEX_SHADER, VERTEX);
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    // Id bytes must reach the shader exactly; rows of odd widths are not 4-byte aligned.
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    const lut = (name: LutTexture, internal: number, width: number, height: number): WebGLTexture => {
      const t = gl.createTexture();
      gl.activeTexture(gl.TEXTURE0 + UNITS[name]);
      gl.bindTexture(gl.TEXTURE_2D, t);
      this.params(gl.NEAREST);
      gl.texStorage2D(gl.TEXTURE_2D, 1, internal, width, height);
      return t;
    };
    this.luts = {
      gtColor: lut('gtColor', gl.RGBA8, 256, 1),
      clusterColor: lut('clusterColor', gl.RGBA8, 256, CLUSTER_LUT_ROWS),
      classColor: lut('classColor', gl.RGBA8, 256, CLUSTER_LUT_ROWS),
      classIds: lut('classIds', gl.R8, 256, 1 + CLUSTER_LUT_ROWS),
    };
    this.composeLuts();
  }

  /** RGBA entries, 256 for classes, 256 to MAX_CLUSTER_IDS for clusters; alpha 0 hides an entry. */
  setPalette(which: 'classPalette' | 'clusterPalette', rgba: Uint8Array): void {
    if (which === 'classPalette') {
      if (rgba.length !== 1024) throw new Error(`palette must have 256 RGBA entries, got ${rgba.length / 4}`);
      this.classPalette = rgba.slice();
    } else this.clusterPalette = padTable(rgba, 4, MAX_CLUSTER_IDS, 0, 'cluster palette');
    this.composeLuts();
  }

  /** One-byte entries: raw GT value → class index (256), or cluster → class index (256 to MAX_CLUSTER_IDS; 255 = none). */
  setLut(which: 'clusterToClass' | 'gtLut', values: Uint8Array): void {
    if (which === 'gtLut') {
      if (values.length !== 256) throw new Error(`lookup table must have 256 entries, got ${values.length}`);
      this.gtLut = values.slice();
    } else this.clusterToClass = padTable(values, 1, MAX_CLUSTER_IDS, 255, 'cluster lookup table');
    this.composeLuts();
  }

  /** The frame's size in pixels; masks of any resolution are stretched over it. */
  setFrameSize(width: number, height: number): void {
    this.imageSize = [Math.max(1, width), Math.max(1, height)];
  }

  get frameSize(): readonly [number, number] {
    return this.imageSize;
  }

  /** Whether the mask is on the GPU already (then showing it uploads nothing). */
  isResident(key: string): boolean {
    return this.ring.has(key);
  }

  /** Shows `mask` as the GT or cluster layer, uploading it unless it is resident; null hides the layer. */
  setMask(which: MaskName, mask: MaskPixels | null): void {
    if (mask === null) {
      this.shown[which] = null;
      return;
    }
    const other = this.shown[which === 'gt' ? 'clusters' : 'gt'];
    const slot = this.residentSlot(mask, other === null ? new Set() : new Set([other]));
    if (slot === null)
      throw new Error('no mask texture slot is free (the ring is smaller than the shown masks)');
    this.shown[which] = mask.key;
    this.gl.activeTexture(this.gl.TEXTURE0 + UNITS[which]);
    this.gl.bindTexture(this.gl.TEXTURE_2D, slot.texture);
  }

  /**
   * Uploads a mask ahead of being shown (idle time during prefetch), never evicting a shown mask.
   * Returns false when there was nothing to do or no slot to spare.
   */
  preload(mask: MaskPixels): boolean {
    if (this.ring.has(mask.key)) return false;
    const keep = new Set<string>();
    if (this.shown.gt !== null) keep.add(this.shown.gt);
    if (this.shown.clusters !== null) keep.add(this.shown.clusters);
    return this.residentSlot(mask, keep) !== null;
  }

  draw(state: DrawState): void {
    const gl = this.gl;
    const key = programKey(state, this.shown.gt !== null, this.shown.clusters !== null);
    // Nothing to show and nothing shown: leave the canvas alone, so the browser has no WebGL frame to read
    // back (stepping with only the image layer costs no GL work at all).
    const size = `${this.canvas.width}x${this.canvas.height}`;
    if (key === 0 && this.blankAt === size) return;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    this.blankAt = key === 0 ? size : null;
    if (key === 0) return;
    const p = this.program(key);
    gl.useProgram(p.program);
    const { sx, sy } = fitScale(
      this.canvas.width,
      this.canvas.height,
      this.imageSize[0],
      this.imageSize[1],
      state.zoom,
    );
    gl.uniform2f(p.scale, sx, sy);
    gl.uniform2f(p.offset, state.panX, state.panY);
    gl.uniform1f(p.opacity, state.opacity);
    gl.uniform1i(p.highlight, state.highlightCluster ?? -1);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private residentSlot(mask: MaskPixels, keep: ReadonlySet<string>): Slot | null {
    const gl = this.gl;
    if (mask.ids.length !== mask.width * mask.height) {
      throw new Error(
        `mask ${mask.key} has ${mask.ids.length} ids for ${mask.width}×${mask.height} pixels`,
      );
    }
    const resident = this.ring.get(mask.key);
    if (resident !== undefined) return this.slots[resident] ?? null;
    const got = this.ring.acquire(mask.key, keep);
    if (got === null) return null;
    if (got.evicted !== null) {
      if (this.shown.gt === got.evicted) this.shown.gt = null;
      if (this.shown.clusters === got.evicted) this.shown.clusters = null;
    }
    let slot = this.slots[got.slot];
    const wide = mask.ids instanceof Uint16Array;
    const format = wide ? gl.RG8 : gl.R8;
    // Upload through a scratch unit so the shown masks' bindings stay as they are.
    gl.activeTexture(gl.TEXTURE0 + 7);
    if (slot === undefined || slot.width !== mask.width || slot.height !== mask.height || slot.format !== format) {
      // Immutable storage of the exact size: later frames of the sequence reuse it with texSubImage2D.
      if (slot !== undefined) gl.deleteTexture(slot.texture);
      const texture = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, texture);
      this.params(gl.NEAREST);
      gl.texStorage2D(gl.TEXTURE_2D, 1, format, mask.width, mask.height);
      slot = { texture, width: mask.width, height: mask.height, format };
      this.slots[got.slot] = slot;
    } else {
      gl.bindTexture(gl.TEXTURE_2D, slot.texture);
    }
    // A Uint16Array's bytes are little-endian on every platform browsers run on: low byte -> R, high -> G.
    const bytes = wide ? new Uint8Array(mask.ids.buffer, mask.ids.byteOffset, mask.ids.byteLength) : mask.ids;
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, mask.width, mask.height, wide ? gl.RG : gl.RED, gl.UNSIGNED_BYTE, bytes);
    return slot;
  }

  private params(filter: number): void {
    const gl = this.gl;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  }

  private composeLuts(): void {
    const gl = this.gl;
    const gtColor = composePalette(this.gtLut, this.classPalette);
    const classColor = composePalette(this.clusterToClass, this.classPalette);
    const ids = new Uint8Array(256 + MAX_CLUSTER_IDS);
    ids.set(this.gtLut, 0);
    ids.set(this.clusterToClass, 256);
    const put = (name: LutTexture, format: number, height: number, data: Uint8Array): void => {
      gl.activeTexture(gl.TEXTURE0 + UNITS[name]);
      gl.bindTexture(gl.TEXTURE_2D, this.luts[name]);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, 256, height, format, gl.UNSIGNED_BYTE, data);
    };
    put('gtColor', gl.RGBA, 1, gtColor);
    put('clusterColor', gl.RGBA, CLUSTER_LUT_ROWS, this.clusterPalette);
    put('classColor', gl.RGBA, CLUSTER_LUT_ROWS, classColor);
    put('classIds', gl.RED, 1 + CLUSTER_LUT_ROWS, ids);
  }

  private program(key: number): Program {
    const cached = this.programs.get(key);
    if (cached !== undefined) return cached;
    const gl = this.gl;
    const flag = (bit: number): number => ((key & bit) !== 0 ? 1 : 0);
    const defines = [
      `#define LAYER_GT ${flag(LAYER_BITS.gt)}`,
      `#define LAYER_CLUSTERS ${flag(LAYER_BITS.clusters)}`,
      `#define LAYER_CLASSES ${flag(LAYER_BITS.classes)}`,
      `#define LAYER_ERRORS ${flag(LAYER_BITS.errors)}`,
      `#define HIGHLIGHT ${flag(32)}`,
      `#define NEED_GT (LAYER_GT || LAYER_ERRORS)`,
      `#define NEED_CLUSTERS (LAYER_CLUSTERS || LAYER_CLASSES || LAYER_ERRORS || HIGHLIGHT)`,
    ];
    const program = gl.createProgram();
    gl.attachShader(program, this.vertex);
    gl.attachShader(
      program,
      compile(gl, gl.FRAGMENT_SHADER, `#version 300 es\n${defines.join('\n')}\n${FRAGMENT_BODY}`),
    );
    gl.bindAttribLocation(program, 0, 'a_pos');
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`WebGL2 program failed to link: ${gl.getProgramInfoLog(program) ?? ''}`);
    }
    gl.useProgram(program);
    for (const [name, unit] of Object.entries(UNITS))
      gl.uniform1i(gl.getUniformLocation(program, `u_${name}`), unit);
    const p: Program = {
      program,
      scale: gl.getUniformLocation(program, 'u_scale'),
      offset: gl.getUniformLocation(program, 'u_offset'),
      opacity: gl.getUniformLocation(program, 'u_opacity'),
      highlight: gl.getUniformLocation(program, 'u_highlightCluster'),
    };
    this.programs.set(key, p);
    return p;
  }
}
