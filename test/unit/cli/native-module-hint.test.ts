// After `npm start` rebuilds better-sqlite3 for Electron, plain Node cannot load it: the CLI must say how
// to fix that instead of passing Node's ABI message through.
import { describe, expect, it, vi } from 'vitest';

vi.mock('better-sqlite3', () => ({
  default: class {
    constructor() {
      throw new Error(
        "The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
          'was compiled against a different Node.js version using\nNODE_MODULE_VERSION 128. This version of Node.js requires\nNODE_MODULE_VERSION 115. Please try re-compiling or re-installing',
      );
    }
  },
}));

const { nativeModuleHint, openDatabase } = await import('../../../main/engine/db/connection.js');

describe('better-sqlite3 built for the wrong runtime', () => {
  it('maps the NODE_MODULE_VERSION error to a fix-it message', () => {
    const hint = nativeModuleHint(new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 128. This version of Node.js requires NODE_MODULE_VERSION 115.'));
    expect(hint).toMatch(/rebuilt for Electron by `npm start`/);
    expect(hint).toMatch(/run `npm rebuild better-sqlite3`/);
    expect(hint).toMatch(/ABI 128, this Node needs 115/);
  });

  it('leaves other errors alone', () => {
    expect(nativeModuleHint(new Error('SQLITE_CANTOPEN: unable to open database file'))).toBeNull();
    expect(nativeModuleHint('disk I/O error')).toBeNull();
  });

  it('openDatabase throws the fix-it, not the raw loader error', () => {
    expect(() => openDatabase('/tmp/never-created.db')).toThrow(/npm rebuild better-sqlite3/);
    try {
      openDatabase('/tmp/never-created.db');
    } catch (e) {
      expect((e as { code?: string }).code).toBe('unavailable');
    }
  });
});
