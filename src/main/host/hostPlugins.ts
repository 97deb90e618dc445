/**
 * The host plugins both API servers register (the headless host in serve.ts and the desktop app's
 * local API): each gets the fastify instance after authentication is in place, the host context, and
 * the core (a promise: the headless host listens before the core has loaded).
 *
 * To add one: one line in the list below. Its routes declare `config: { scope }` (read | write |
 * models) and, for OpenAI-shaped errors, `config: { errorShape: 'openai' }` (default under `/v1/`).
 */
import type { Core } from '../core';
import type { HostPlugin } from './server';
import { metricsHostPlugin } from './metrics';
import { openAiHostPlugin } from './openaiPlugin';

export function corePlugins(core: () => Promise<Core>): HostPlugin[] {
  return [metricsHostPlugin(core), openAiHostPlugin(core)];
}
