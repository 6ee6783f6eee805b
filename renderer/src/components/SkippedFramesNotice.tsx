// Frames feature extraction left out because their pixels cannot be decoded: named in the Datasets
// view, never silent. The job goes on without them; training, predictions and exports leave them out.
import type { FeatureSetSummary } from '../../../shared/contract/backbones.js';
import type { DatasetSummary } from '../../../shared/contract/datasets.js';
import { useQuery } from '../state/studio-context.js';

export interface SkippedFrame {
  readonly frameId: string;
  readonly file: string;
  readonly reason: string;
}

const SHOWN = 10;

export function SkippedFramesNotice({ dataset }: { dataset: DatasetSummary }) {
  const sets = useQuery('features.list', { datasetId: dataset.id });
  const short = (sets.data ?? []).filter((s) => s.frameCount < dataset.frameCount);
  return (
    <>
      {short.map((s) => (
        <SkippedFramesOfSet key={s.id} set={s} total={dataset.frameCount} />
      ))}
    </>
  );
}

function SkippedFramesOfSet({ set, total }: { set: FeatureSetSummary; total: number }) {
  const job = useQuery('jobs.get', set.jobId !== null ? { id: set.jobId } : null);
  const result = job.data?.result as { skippedFrames?: SkippedFrame[]; skippedCount?: number } | null | undefined;
  return (
    <SkippedFramesList backbone={set.backbone} total={total} count={result?.skippedCount ?? total - set.frameCount} frames={result?.skippedFrames ?? []} />
  );
}

export function SkippedFramesList({ backbone, total, count, frames }: { backbone: string; total: number; count: number; frames: readonly SkippedFrame[] }) {
  return (
    <div className="notice warn" data-testid="skipped-frames">
      <div>
        <strong>
          Features ({backbone}): {count} of {total} frames skipped
        </strong>{' '}
        — they cannot be decoded, so training, predictions and exports leave them out.
        {frames.length > 0 && (
          <ul>
            {frames.slice(0, SHOWN).map((f) => (
              <li key={f.frameId}>
                <code>{f.file}</code>: {f.reason}
              </li>
            ))}
            {count > SHOWN && <li className="muted">… and {count - SHOWN} more (the job's result lists them)</li>}
          </ul>
        )}
      </div>
    </div>
  );
}
