/**
 * Sandboxed preload (built as CommonJS): exposes `window.nook` and nothing else. Sandboxed preloads
 * may require only a small part of `electron`; the bridge uses ipcRenderer, webUtils and contextBridge.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld('nook', createBridge({ ipcRenderer, webUtils, platform: process.platform }));
