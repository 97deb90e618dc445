import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * main: the Electron entry (index), the headless host CLI (serve) and worker-thread entries; all are
 * plain Node bundles with dependencies left external, so `out/main/serve.js` runs without Electron.
 * preload: CommonJS, because sandboxed preloads cannot be ES modules.
 * renderer: the main window and the quick-ask window.
 */
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          serve: resolve(__dirname, 'src/main/host/serve.ts'),
          knowledgeWorker: resolve(__dirname, 'src/main/workers/knowledgeWorker.ts'),
          embedWorker: resolve(__dirname, 'src/main/workers/embedWorker.ts'),
          voiceWorker: resolve(__dirname, 'src/main/workers/voiceWorker.ts'),
          llmWorker: resolve(__dirname, 'src/main/workers/llmWorker.ts'),
          briefingWorker: resolve(__dirname, 'src/main/workers/briefingWorker.ts'),
          keywordWorker: resolve(__dirname, 'src/main/workers/keywordWorker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin({ exclude: [] })],
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/renderer/index.html'),
          quickask: resolve(__dirname, 'src/renderer/quickask.html'),
          voiceoverlay: resolve(__dirname, 'src/renderer/voiceoverlay.html'),
        },
      },
    },
  },
});
