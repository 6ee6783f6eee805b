// Draws a frame and its masks with one WebGL2 fragment shader. Masks arrive as id images (class or
// cluster ids in the red channel); colours come from 256-entry palette textures, so opacity, palette
// edits, isolate, layer toggles and mapping edits are uniform/texture updates, never a per-pixel JS loop.

const VERTEX = `#version 300 es
in vec2 a_pos;
uniform vec2 u_scale;
uniform vec2 u_offset;
out vec2 v_uv;
void main() {
  v_uv = vec2(a_pos.x, a_pos.y);
  vec2 clip = (a_pos * 2.0 - 1.0) * u_scale + u_offset;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision highp float;
precision highp int;
in vec2 v_uv;
out vec4 outColor;
uniform sampler2D u_image;
uniform sampler2D u_gt;
uniform sampler2D u_clusters;
uniform sampler2D u_classPalette;   // 256 x 1: class index -> rgba (a = 0 hidden)
uniform sampler2D u_clusterPalette; // 256 x 1: cluster id -> rgba (a = 0 hidden)
uniform sampler2D u_clusterToClass; // 256 x 1: cluster id -> class index (255 = unmapped)
uniform sampler2D u_gtLut;          // 256 x 1: raw GT value -> class index (255 = ignore)
uniform ivec2 u_maskSize;
uniform int u_layers;               // bit 0 image, 1 gt, 2 clusters, 3 classes, 4 errors
uniform float u_opacity;
uniform int u_highlightCluster;     // -1 none
uniform int u_hasGt;
uniform int u_hasClusters;

int idAt(sampler2D tex, vec2 uv) {
  ivec2 p = clamp(ivec2(uv * vec2(u_maskSize)), ivec2(0), u_maskSize - 1);
  return int(texelFetch(tex, p, 0).r * 255.0 + 0.5);
}
vec4 lut(sampler2D tex, int i) { return texelFetch(tex, ivec2(i, 0), 0); }
int lutId(sampler2D tex, int i) { return int(texelFetch(tex, ivec2(i, 0), 0).r * 255.0 + 0.5); }
void over(inout vec3 base, vec4 c) { base = mix(base, c.rgb, c.a * u_opacity); }

void main() {
  vec3 color = (u_layers & 1) != 0 ? texture(u_image, v_uv).rgb : vec3(0.16);
  int gtClass = 255;
  if (u_hasGt == 1) gtClass = lutId(u_gtLut, idAt(u_gt, v_uv));
  int cluster = -1;
  int predClass = 255;
  if (u_hasClusters == 1) {
    cluster = idAt(u_clusters, v_uv);
    predClass = lutId(u_clusterToClass, cluster);
  }
  if ((u_layers & 2) != 0 && gtClass != 255) over(color, lut(u_classPalette, gtClass));
  if ((u_layers & 4) != 0 && cluster >= 0) over(color, lut(u_clusterPalette, cluster));
  if ((u_layers & 8) != 0 && predClass != 255) over(color, lut(u_classPalette, predClass));
  if ((u_layers & 16) != 0 && gtClass != 255 && cluster >= 0 && predClass != gtClass) {
    // Diagonal hatching, so the error layer never relies on colour alone.
    float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 8.0));
    over(color, vec4(mix(vec3(1.0, 0.15, 0.15), vec3(0.2, 0.0, 0.0), stripe), 1.0));
  }
  if (u_highlightCluster >= 0 && cluster >= 0) {
    if (cluster == u_highlightCluster) color = mix(color, vec3(1.0, 1.0, 0.2), 0.55);
    else color *= 0.45;
  }
  outColor = vec4(color, 1.0);
}`;

export { LAYER_BITS, type LayerName } from './layers.js';

export interface DrawState {
  layers: number;
  opacity: number;
  highlightCluster: number | null;
  /** 1 = fit the canvas; >1 zooms in. */
  zoom: number;
  /** Pan in canvas fractions (-1..1). */
  panX: number;
  panY: number;
}

type Source = TexImageSource;

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
  private readonly program: WebGLProgram;
  private readonly textures: Record<'image' | 'gt' | 'clusters' | 'classPalette' | 'clusterPalette' | 'clusterToClass' | 'gtLut', WebGLTexture>;
  private readonly uniforms = new Map<string, WebGLUniformLocation | null>();
  private imageSize: [number, number] = [1, 1];
  private maskSize: [number, number] = [1, 1];
  private hasGt = false;
  private hasClusters = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', { antialias: false, preserveDrawingBuffer: false, depth: false, stencil: false });
    if (gl === null) throw new Error('WebGL2 is not available in this browser; the player needs it to draw masks.');
    this.gl = gl;
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`WebGL2 program failed to link: ${gl.getProgramInfoLog(program) ?? ''}`);
    }
    this.program = program;
    gl.useProgram(program);
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, 0, 1, 0, 0, 1, 1, 1]), gl.STATIC_DRAW);
    const loc = gl.getAttribLocation(program, 'a_pos');
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
    // Id images must reach the shader byte-exact: no colour management, no premultiplication.
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    const make = (unit: number, name: string, filter: number): WebGLTexture => {
      const t = gl.createTexture();
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.uniform1i(this.uniform(name), unit);
      return t;
    };
    this.textures = {
      image: make(0, 'u_image', gl.LINEAR),
      gt: make(1, 'u_gt', gl.NEAREST),
      clusters: make(2, 'u_clusters', gl.NEAREST),
      classPalette: make(3, 'u_classPalette', gl.NEAREST),
      clusterPalette: make(4, 'u_clusterPalette', gl.NEAREST),
      clusterToClass: make(5, 'u_clusterToClass', gl.NEAREST),
      gtLut: make(6, 'u_gtLut', gl.NEAREST),
    };
    const identity = new Uint8Array(256);
    for (let i = 0; i < 256; i++) identity[i] = i;
    this.setLut('gtLut', identity);
    this.setLut('clusterToClass', new Uint8Array(256).fill(255));
    this.setPalette('classPalette', new Uint8Array(1024));
    this.setPalette('clusterPalette', new Uint8Array(1024));
    this.upload('image', gl.RGBA8, gl.RGBA, new Uint8Array([40, 40, 40, 255]), 1, 1);
  }

  private uniform(name: string): WebGLUniformLocation | null {
    if (!this.uniforms.has(name)) this.uniforms.set(name, this.gl.getUniformLocation(this.program, name));
    return this.uniforms.get(name) ?? null;
  }

  private bind(name: keyof MaskRenderer['textures']): void {
    const unit = ['image', 'gt', 'clusters', 'classPalette', 'clusterPalette', 'clusterToClass', 'gtLut'].indexOf(name);
    this.gl.activeTexture(this.gl.TEXTURE0 + unit);
    this.gl.bindTexture(this.gl.TEXTURE_2D, this.textures[name]);
  }

  private upload(name: keyof MaskRenderer['textures'], internal: number, format: number, data: Uint8Array, w: number, h: number): void {
    this.bind(name);
    this.gl.texImage2D(this.gl.TEXTURE_2D, 0, internal, w, h, 0, format, this.gl.UNSIGNED_BYTE, data);
  }

  /** 256 RGBA entries (1024 bytes); alpha 0 hides an entry. */
  setPalette(which: 'classPalette' | 'clusterPalette', rgba: Uint8Array): void {
    if (rgba.length !== 1024) throw new Error(`palette must have 256 RGBA entries, got ${rgba.length / 4}`);
    this.upload(which, this.gl.RGBA8, this.gl.RGBA, rgba, 256, 1);
  }

  /** 256 one-byte entries. */
  setLut(which: 'clusterToClass' | 'gtLut', values: Uint8Array): void {
    if (values.length !== 256) throw new Error(`lookup table must have 256 entries, got ${values.length}`);
    this.upload(which, this.gl.R8, this.gl.RED, values, 256, 1);
  }

  setImage(source: Source | null, width: number, height: number): void {
    this.bind('image');
    if (source === null) {
      this.upload('image', this.gl.RGBA8, this.gl.RGBA, new Uint8Array([40, 40, 40, 255]), 1, 1);
      this.imageSize = [width, height];
      return;
    }
    this.gl.texImage2D(this.gl.TEXTURE_2D, 0, this.gl.RGBA8, this.gl.RGBA, this.gl.UNSIGNED_BYTE, source);
    this.imageSize = [width, height];
  }

  /** An id image (red channel = id). Masks may have a lower resolution than the frame. */
  setMask(which: 'gt' | 'clusters', source: Source | null, width: number, height: number): void {
    this.bind(which);
    if (source === null) {
      if (which === 'gt') this.hasGt = false;
      else this.hasClusters = false;
      return;
    }
    this.gl.texImage2D(this.gl.TEXTURE_2D, 0, this.gl.R8, this.gl.RED, this.gl.UNSIGNED_BYTE, source);
    this.maskSize = [width, height];
    if (which === 'gt') this.hasGt = true;
    else this.hasClusters = true;
  }

  get frameSize(): readonly [number, number] {
    return this.imageSize;
  }

  /** Canvas pixel → image pixel under the current fit/zoom/pan, or null outside the image. */
  canvasToImage(x: number, y: number, state: DrawState): [number, number] | null {
    const { sx, sy } = this.fit(state);
    const cx = (x / this.canvas.width) * 2 - 1;
    const cy = (y / this.canvas.height) * 2 - 1;
    const u = ((cx - state.panX) / sx + 1) / 2;
    const v = ((cy - state.panY) / sy + 1) / 2;
    if (u < 0 || u >= 1 || v < 0 || v >= 1) return null;
    return [Math.floor(u * this.imageSize[0]), Math.floor(v * this.imageSize[1])];
  }

  private fit(state: DrawState): { sx: number; sy: number } {
    const canvasAspect = this.canvas.width / Math.max(1, this.canvas.height);
    const imageAspect = this.imageSize[0] / Math.max(1, this.imageSize[1]);
    let sx = 1;
    let sy = 1;
    if (imageAspect > canvasAspect) sy = canvasAspect / imageAspect;
    else sx = imageAspect / canvasAspect;
    return { sx: sx * state.zoom, sy: sy * state.zoom };
  }

  draw(state: DrawState): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0.11, 0.114, 0.122, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    const { sx, sy } = this.fit(state);
    gl.uniform2f(this.uniform('u_scale'), sx, sy);
    gl.uniform2f(this.uniform('u_offset'), state.panX, state.panY);
    gl.uniform2i(this.uniform('u_maskSize'), this.maskSize[0], this.maskSize[1]);
    gl.uniform1i(this.uniform('u_layers'), state.layers);
    gl.uniform1f(this.uniform('u_opacity'), state.opacity);
    gl.uniform1i(this.uniform('u_highlightCluster'), state.highlightCluster ?? -1);
    gl.uniform1i(this.uniform('u_hasGt'), this.hasGt ? 1 : 0);
    gl.uniform1i(this.uniform('u_hasClusters'), this.hasClusters ? 1 : 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}
