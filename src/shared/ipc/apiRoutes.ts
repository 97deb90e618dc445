/**
 * Local API tokens (spread into contract.ts). Never part of the REST API itself: only the app (IPC),
 * the browser session and the installation token (WebSocket) manage tokens.
 */
import { z } from 'zod';
import {
  ApiTokenCreatedSchema,
  ApiTokenCreateSchema,
  ApiTokenIdSchema,
  ApiTokenInfoSchema,
} from '../types/apiTokens';
import type { RouteDef } from './contract';

export const apiRoutes = {
  'apiTokens.list': {
    input: z.object({}).strict(),
    output: z.array(ApiTokenInfoSchema),
    mutates: false,
    summary: 'Local API tokens (names, scopes, dates; never their values), newest first.',
  },
  'apiTokens.create': {
    input: ApiTokenCreateSchema,
    output: ApiTokenCreatedSchema,
    mutates: true,
    summary:
      'Create a named, scoped API token; its value is returned this once and kept only in the OS keychain.',
  },
  'apiTokens.revoke': {
    input: z.object({ id: ApiTokenIdSchema }).strict(),
    output: ApiTokenInfoSchema,
    mutates: true,
    summary: 'Revoke a token: requests with it are refused (403) from now on; its value leaves the keychain.',
  },
} as const satisfies Record<string, RouteDef>;
