// Saving the edited mapping as the experiment's next version, and exporting it as a JSON document.
import { useState } from 'react';
import type { EvalHistogramData } from '../../../../shared/contract/evaluation.js';
import { mappingToDocument, type MappingMethod } from '../../../../shared/metrics/mapping-file.js';
import { useStudio } from '../../state/studio-context.js';
import type { MappingSession } from './mapping-session.js';

export interface MappingSave {
  readonly saving: boolean;
  save(): Promise<void>;
  download(): void;
}

export function useMappingSave(
  data: EvalHistogramData,
  /** The histogram's protocol, or a custom one with classes added in the board. */
  protocol: { readonly id: string; readonly classNames: readonly string[] },
  session: MappingSession,
  latestSavedId: string | null,
  savedCount: number,
  reloadSaved: () => void,
): MappingSave {
  const { call, store } = useStudio();
  const [saving, setSaving] = useState(false);
  // A reopened saved version that was not edited since is saved as a manual mapping.
  const method: MappingMethod = session.origin === 'saved' ? 'manual' : session.origin;
  const documentNamed = (name: string) =>
    mappingToDocument(session.current, { id: protocol.id, classNames: protocol.classNames }, {
      name,
      method,
      experimentId: data.experimentId,
    });

  const save = async (): Promise<void> => {
    setSaving(true);
    try {
      const document = documentNamed(`${method} v${savedCount + 1}`);
      const parentId = latestSavedId ?? undefined;
      await call('mappings.save', { experimentId: data.experimentId, document, histogramId: data.id, ...(parentId !== undefined ? { parentId } : {}) });
      store.notify('info', `Saved mapping version ${savedCount + 1}.`);
      reloadSaved();
    } catch {
      // call() already showed the engine's message.
    } finally {
      setSaving(false);
    }
  };

  const download = (): void => {
    const document = documentNamed(`${method} mapping`);
    const blob = new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' });
    const a = window.document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `mapping-${data.experimentId}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return { saving, save, download };
}
