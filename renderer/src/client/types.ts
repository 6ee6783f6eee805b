// The renderer's view of the engine: the contract's StudioClient plus connection state and asset URLs,
// so views never care whether they run in Electron (preload bridge) or a browser (WebSocket).
import type { StudioClient } from '../../../shared/contract/index.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface RendererClient extends StudioClient {
  readonly transport: 'websocket' | 'electron';
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** URL of an asset served by the engine's frame server (`/asset/<type>/<id>` or `studio://asset/...`). */
  assetUrl(type: string, id: string, query?: Record<string, string | number | boolean | undefined>): string;
  /** Electron only: a native folder picker; the browser build asks for a path in a text field instead. */
  openFolderDialog?: () => Promise<string | null>;
}

/** What the Electron preload exposes on `window.studio`. */
export interface PreloadBridge {
  call(method: string, args: unknown): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  openFolderDialog(): Promise<string | null>;
}

declare global {
  interface Window {
    studio?: PreloadBridge;
  }
}
