import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { createClient } from './client/create-client.js';
import { StudioProvider } from './state/studio-context.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html lacks #root');
const client = createClient();
createRoot(root).render(
  <StrictMode>
    <StudioProvider client={client}>
      <App />
    </StudioProvider>
  </StrictMode>,
);
