export const SHORTCUTS: readonly [string, string][] = [
  ['?', 'show / hide this sheet'],
  ['Space', 'play / pause'],
  ['← / →', 'previous / next frame'],
  ['Shift + ← / →', '± N frames (default 10)'],
  ['0 – 9', 'seek to 0 – 90 %'],
  ['G', 'go to frame'],
  ['+ / −', 'overlay opacity'],
  ['1 – 5', 'toggle layers: image, GT, clusters, classes, errors'],
  ['I', 'isolate the hovered class / cluster'],
  ['Z', 'zoom to fit'],
  ['Ctrl/Cmd + Z', 'undo mapping edit'],
  ['Shift + Ctrl/Cmd + Z', 'redo mapping edit'],
  ['Esc', 'clear selection / close'],
];

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        data-testid="shortcut-sheet"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="table">
          <tbody>
            {SHORTCUTS.map(([key, what]) => (
              <tr key={key}>
                <td>
                  <kbd>{key}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}
