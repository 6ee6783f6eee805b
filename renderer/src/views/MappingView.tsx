// Mapping session: every cluster beside a class selector (or ignore); Hungarian / majority proposals;
// per-class IoU, present-class mIoU, mIoU, pixel accuracy and the confusion matrix re-scored locally
// from the stored histogram on every edit (shared/metrics — no round trip); undo/redo; save as a
// version; export JSON. The pieces live in ./mapping/.
import { ExperimentPicker } from '../components/ExperimentPicker.js';
import { useSelection } from '../state/studio-context.js';
import { HistogramGate } from './mapping/HistogramGate.js';

export function MappingView() {
  const selection = useSelection();
  return (
    <section className="view" aria-label="Mapping">
      <div className="row">
        <h2 className="grow">Mapping</h2>
        <ExperimentPicker />
      </div>
      {selection.experimentId === null ? (
        <div className="empty">Train an experiment, then map its clusters to classes here.</div>
      ) : (
        <HistogramGate experimentId={selection.experimentId} />
      )}
    </section>
  );
}
