/**
 * The host's WebSocket protocol (`ws://127.0.0.1:PORT/ws`): the same contract as Electron IPC, framed
 * as JSON text messages. Both sides import these types, so the server (src/main/host/server.ts) and
 * the renderer's transport (src/renderer/src/api/) cannot drift apart. Zod-free and dependency-free.
 *
 * Client -> server, one frame per call:
 *   { "id": 7, "route": "settings.get", "input": {} }
 * Server -> client, exactly one reply per call frame, in any order (calls run concurrently):
 *   { "id": 7, "result": { "ok": true, "value": { ... } } }
 *   { "id": 7, "result": { "ok": false, "code": "INVALID_INPUT", "message": "..." } }
 * Server -> client, pushed for every EventBus event:
 *   { "event": "settings.changed", "payload": { ... } }
 *
 * Malformed frames (not JSON, not an object, no usable id, route not a string) get
 * `{ id, result: { ok: false, code: 'INVALID_INPUT' } }`, where `id` is the frame's id when one could be
 * read (so the caller's promise settles) and `null` otherwise. The connection stays open.
 * Route names, input validation and size limits are the dispatcher's job, exactly as over IPC:
 * UNKNOWN_ROUTE, INVALID_INPUT, PAYLOAD_TOO_LARGE come back as ordinary results.
 * A frame larger than WS_MAX_FRAME_BYTES is not read at all: the server closes the socket with
 * code 1009 (Message Too Big); clients settle their pending calls with PAYLOAD_TOO_LARGE then.
 *
 * Authentication happens at the HTTP upgrade (cookie or `Authorization: Bearer`), never in frames.
 */
import { MAX_PAYLOAD_BYTES } from './channels';
import type { ErrorCode, Err, Result } from './result';

/** Path of the WebSocket endpoint on the host. */
export const WS_PATH = '/ws';

/** Envelope allowance on top of the input limit, so an oversized input still gets a PAYLOAD_TOO_LARGE reply. */
export const WS_FRAME_OVERHEAD_BYTES = 64 * 1024;

/** Largest frame the server reads; bigger ones close the socket with WS_CLOSE_TOO_BIG. */
export const WS_MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES + WS_FRAME_OVERHEAD_BYTES;

/** RFC 6455 close codes the host uses. */
export const WS_CLOSE_TOO_BIG = 1009;
export const WS_CLOSE_GOING_AWAY = 1001;

/** A call id: a safe non-negative integer or a short string, chosen by the client, echoed by the server. */
export type CallId = number | string;

export interface ClientCallFrame {
  id: CallId;
  route: string;
  input?: unknown;
}

export interface ServerReplyFrame {
  id: CallId | null;
  result: Result<unknown>;
}

export interface ServerEventFrame {
  event: string;
  payload: unknown;
}

export type ServerFrame = ServerReplyFrame | ServerEventFrame;

export type ParsedClientFrame = { ok: true; frame: ClientCallFrame } | { ok: false; reply: ServerReplyFrame };

const MAX_ID_LENGTH = 64;

export function isCallId(value: unknown): value is CallId {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_ID_LENGTH;
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(id: CallId | null, message: string): ParsedClientFrame {
  const error: Err = { ok: false, code: 'INVALID_INPUT' satisfies ErrorCode, message };
  return { ok: false, reply: { id, result: error } };
}

/** Validates the shape of one client text frame; never throws. */
export function parseClientFrame(text: string): ParsedClientFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return malformed(null, 'Frame is not valid JSON');
  }
  if (!isPlainObject(data)) return malformed(null, 'Frame must be a JSON object');
  const id = data['id'];
  if (!isCallId(id)) return malformed(null, 'Frame needs an "id": a non-negative integer or a short string');
  const route = data['route'];
  if (typeof route !== 'string') return malformed(id, 'Frame needs a "route" string');
  return { ok: true, frame: { id, route, input: data['input'] } };
}

/** Client side: tells a reply from an event push; `null` for anything else (ignore it). */
export function parseServerFrame(text: string): ServerFrame | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(data)) return null;
  if (typeof data['event'] === 'string' && 'payload' in data) {
    return { event: data['event'], payload: data['payload'] };
  }
  const id = data['id'];
  const result = data['result'];
  if ((id === null || isCallId(id)) && isPlainObject(result) && typeof result['ok'] === 'boolean') {
    return { id, result: result as unknown as Result<unknown> };
  }
  return null;
}

export function encodeCall(frame: ClientCallFrame): string {
  return JSON.stringify(frame);
}

export function encodeReply(frame: ServerReplyFrame): string {
  return JSON.stringify(frame);
}

export function encodeEvent(frame: ServerEventFrame): string {
  return JSON.stringify(frame);
}
