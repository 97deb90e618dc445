/**
 * Electron main entry. The composition root lives in app/main.ts and takes the `electron` module as
 * an argument, so the same code runs here and against a stand-in in test/electron/shell.test.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as electron from 'electron';
import { startApp } from './app/main';

void startApp(electron, { mainDir: path.dirname(fileURLToPath(import.meta.url)) });
