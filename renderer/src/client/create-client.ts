// Chosen once at startup: Electron's preload bridge when present, else the WebSocket back to `serve`.
import { createElectronClient } from './electron-client.js';
import { createWebSocketClient } from './ws-client.js';
import type { RendererClient } from './types.js';

export function createClient(): RendererClient {
  if (window.studio !== undefined) return createElectronClient(window.studio);
  const token = new URLSearchParams(window.location.search).get('token');
  return createWebSocketClient({ origin: window.location.origin, token });
}
