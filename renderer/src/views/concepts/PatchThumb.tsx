// One patch thumbnail (a crop of its frame around the patch, served by the frame server by patch id).
// Clicking it opens the patch in the similar-patch probe.
import type { PatchRef } from '../../../../shared/contract/concepts.js';
import { useStudio } from '../../state/studio-context.js';

export function PatchThumb({
  patch,
  size,
  label,
  onOpen,
  border,
  testId = 'patch-thumb',
}: {
  patch: PatchRef;
  size: 64 | 96 | 128;
  label: string;
  onOpen?: (p: PatchRef) => void;
  border?: string;
  testId?: string;
}) {
  const { client } = useStudio();
  const title = `${patch.frameName} · cell ${patch.gx},${patch.gy} · cluster ${patch.cluster} · ${label}`;
  const img = (
    <img
      src={client.assetUrl('patch', patch.id, { w: size })}
      alt={title}
      title={title}
      loading="lazy"
      style={{ width: '100%', aspectRatio: '1 / 1', objectFit: 'cover', display: 'block', borderRadius: 2, ...(border !== undefined ? { outline: `2px solid ${border}` } : {}) }}
    />
  );
  if (onOpen === undefined) return <span data-testid={testId}>{img}</span>;
  return (
    <button
      type="button"
      className="patch-thumb"
      data-testid={testId}
      aria-label={`Probe ${title}`}
      style={{ padding: 0, border: 0, background: 'none', cursor: 'pointer' }}
      onClick={(e) => {
        e.stopPropagation();
        onOpen(patch);
      }}
    >
      {img}
    </button>
  );
}
