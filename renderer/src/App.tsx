// The frame of ui.md: nav · main view · inspector, status bar below; `?` opens the shortcut sheet.
import { useEffect, useState } from 'react';
import { Inspector } from './components/Inspector.js';
import { Nav } from './components/Nav.js';
import { Notices } from './components/Notices.js';
import { ShortcutSheet } from './components/ShortcutSheet.js';
import { StatusBar } from './components/StatusBar.js';
import { isTypingTarget } from './lib/keys.js';
import { useStudio, useStudioState } from './state/studio-context.js';
import { DatasetsView } from './views/DatasetsView.js';
import { ExperimentsView } from './views/ExperimentsView.js';
import { ConceptsView } from './views/ConceptsView.js';
import { MappingView } from './views/MappingView.js';
import { ExportsView } from './views/ExportsView.js';
import { StudiesView } from './views/StudiesView.js';
import { PoolView } from './views/PoolView.js';

export function App() {
  const view = useStudioState((s) => s.view);
  const { store } = useStudio();
  const [sheet, setSheet] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTypingTarget(e.target)) return;
      if (e.key === '?') {
        e.preventDefault();
        setSheet((s) => !s);
      } else if (e.key === 'Escape') {
        setSheet(false);
        store.select({ clusterId: null, classId: null });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  return (
    <div className="app" data-testid="app">
      <Nav />
      <main className="main" data-testid={`view-${view}`}>
        {view === 'datasets' && <DatasetsView />}
        {view === 'experiments' && <ExperimentsView />}
        {view === 'concepts' && <ConceptsView />}
        {view === 'mapping' && <MappingView />}
        {view === 'exports' && <ExportsView />}
        {view === 'studies' && <StudiesView />}
        {view === 'pool' && <PoolView />}
      </main>
      <Inspector />
      <StatusBar />
      <Notices />
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
    </div>
  );
}
