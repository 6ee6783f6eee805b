// electron-builder.yml is only exercised for real when someone packages on a machine with internet;
// this test catches what would break there: schema errors, and native code left inside app.asar.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
// js-yaml arrives with electron-builder (it reads this file with it); it ships no types.
const yaml = require('js-yaml') as { load(text: string, options?: { filename?: string }): unknown };

interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { output?: string; buildResources?: string };
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  linux?: { target?: string[]; category?: string; icon?: string };
  mac?: { target?: string[]; icon?: string };
  win?: { target?: string[]; icon?: string };
}

const configPath = path.join(root, 'electron-builder.yml');
const config = yaml.load(fs.readFileSync(configPath, 'utf8'), { filename: configPath }) as BuilderConfig;
const schema = JSON.parse(
  fs.readFileSync(path.join(root, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'),
) as object;

function validator() {
  // strict: false — the scheme uses keywords (e.g. "markdownDescription") ajv does not know.
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

const unpacked = (file: string) => (config.asarUnpack ?? []).some((g) => minimatch(file, g, { dot: true }));

/** Installed production dependencies (dependencies + optionalDependencies, transitively), as folders. */
function productionPackageDirs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string) => {
    // Node's lookup: nested node_modules first, then each parent's.
    let dir = fromDir;
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        if (seen.has(candidate)) return;
        seen.add(candidate);
        const child = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8')) as {
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        };
        for (const dep of Object.keys({ ...child.dependencies, ...child.optionalDependencies }))
          visit(dep, candidate);
        return;
      }
      if (dir === root) return; // optional dependency not installed here
      dir = path.dirname(dir);
      if (!dir.startsWith(root)) return;
    }
  };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, root);
  return [...seen];
}

function filesUnder(dir: string, suffix: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // Nested dependencies are visited as packages of their own.
      if (entry.name !== 'node_modules') filesUnder(p, suffix, out);
    } else if (entry.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

describe('electron-builder.yml', () => {
  it('is valid against app-builder-lib/scheme.json', () => {
    const validate = validator();
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check rejects a misspelt key and a wrong type (so the test above can fail)', () => {
    const validate = validator();
    expect(validate({ ...config, asarUnpak: ['x'] })).toBe(false);
    expect(validate({ ...config, linux: { ...config.linux, target: 42 } })).toBe(false);
  });

  it("passes electron-builder's own configuration check (schema plus its deprecation rules)", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
    };
    const quiet = { isEnabled: false, add: () => {} };
    await expect(validateConfiguration(structuredClone(config), quiet)).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), asarUnpak: [] }, quiet)).rejects.toThrow(
      /asarUnpak/,
    );
  });

  it('names the product, the output folder and ships the built app and package.json', () => {
    expect(config.productName).toBe('Cause Studio');
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i);
    expect(config.directories).toEqual({ output: 'release', buildResources: 'assets' });
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json', 'assets/**']));
    const main = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string })
      .main;
    expect(config.files?.some((g) => minimatch(main, g))).toBe(true);
    expect(config.npmRebuild).toBe(true);
  });

  it('builds AppImage + deb (category Science), dmg and nsis, each with an existing icon', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.category).toBe('Science');
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon).toBeDefined();
      const png = fs.readFileSync(path.join(root, icon!));
      // PNG signature, then IHDR width/height: macOS icons need at least 512×512.
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512);
    }
  });

  it('unpacks the native modules from asar', () => {
    expect(config.asar).not.toBe(false);
    for (const file of [
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/sharp/lib/index.js',
      'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node',
      'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.17.3',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
    ]) {
      expect(unpacked(file), file).toBe(true);
    }
    // …and not everything: pure-JS dependencies stay in the archive.
    expect(unpacked('node_modules/zod/index.js')).toBe(false);
    expect(unpacked('dist/main/electron/main.js')).toBe(false);
  });

  it('leaves no installed native addon (.node) or tfjs wasm of a production dependency inside asar', () => {
    const dirs = productionPackageDirs();
    expect(dirs.some((d) => d.endsWith(path.join('node_modules', 'better-sqlite3')))).toBe(true);
    const natives = dirs
      .flatMap((d) => [...filesUnder(d, '.node'), ...filesUnder(d, '.wasm')])
      .map((f) => path.relative(root, f).split(path.sep).join('/'));
    expect(natives.length).toBeGreaterThan(0);
    const packed = natives.filter((f) => !unpacked(f));
    expect(packed).toEqual([]);
  });
});

describe('npm start', () => {
  it('builds, rebuilds native modules for Electron, then launches Electron, in that order', () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const steps = scripts.start!.split('&&').map((s) => s.trim());
    expect(steps).toEqual(['npm run build', 'electron-builder install-app-deps', 'electron .']);
    expect(scripts['build:main']).toContain('node scripts/build-preload.mjs');
  });
});
