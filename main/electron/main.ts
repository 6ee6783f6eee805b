// Electron's entry (package.json "main" → dist/main/electron/main.js). All logic lives in shell.ts;
// this file only hands it the real Electron module.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  protocol,
  session,
  shell,
  utilityProcess,
} from 'electron';
import { startShell } from './shell.js';

startShell({
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  MessageChannelMain,
  protocol,
  session,
  shell,
  utilityProcess,
});
