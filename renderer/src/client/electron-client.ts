// Electron transport: the preload's `window.studio` bridge (a MessagePort to the engine behind it).
// Errors cross the bridge as plain StudioErrorData objects and become StudioError again here.
import type { ArgsOf, MethodName, ResultOf, StudioEvent } from '../../../shared/contract/index.js';
import { StudioError, type StudioErrorData } from '../../../shared/contract/errors.js';
import type { PreloadBridge, RendererClient } from './types.js';
import { encodeAssetId, toQuery } from './query.js';

function isErrorData(e: unknown): e is StudioErrorData {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export function createElectronClient(bridge: PreloadBridge): RendererClient {
  return {
    transport: 'electron',
    async call<M extends MethodName>(method: M, args: ArgsOf<M>) {
      try {
        return (await bridge.call(method, args)) as ResultOf<M>;
      } catch (e) {
        if (isErrorData(e)) throw StudioError.fromData(e);
        throw e;
      }
    },
    onEvent(listener) {
      return bridge.onEvent((event) => listener(event as StudioEvent));
    },
    // The bridge is up as long as the window lives; the main process restarts the engine behind it.
    connection: () => 'open',
    onConnection: () => () => undefined,
    assetUrl(type, id, query = {}) {
      return `studio://asset/${encodeURIComponent(type)}/${encodeAssetId(id)}${toQuery(query)}`;
    },
    openFolderDialog: () => bridge.openFolderDialog(),
  };
}
