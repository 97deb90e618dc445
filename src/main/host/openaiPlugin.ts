/**
 * The `/v1/*` routes as a host plugin (hostPlugins.ts lists it), and their part of the OpenAPI
 * document: request bodies from the zod schemas the routes validate with, responses as OpenAI
 * documents them (with Nook's `nook` extension fields), and every error status in OpenAI's shape.
 */
import { z } from 'zod';
import type { Core } from '../core';
import { registerOpenAi } from './openai';
import {
  ChatRequestSchema,
  EmbeddingsRequestSchema,
  SpeechRequestSchema,
  TranscriptionFieldsSchema,
} from './openaiSchemas';
import type { OpenApiExtension } from './openapi';
import type { HostPlugin } from './server';

/** The plugin for a host whose core arrives later (the headless host listens before it loads). */
export function openAiHostPlugin(core: () => Promise<Core>): HostPlugin {
  return async (app, ctx) => {
    ctx.addOpenApi(openAiOpenApi());
    await registerOpenAi(app, {
      deps: async () => (await import('./openaiCore')).openAiDepsFromCore(await core()),
      log: ctx.log,
    });
  };
}

type JsonSchema = Record<string, unknown>;

function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('OpenAiError')) });

/** The statuses every /v1 route can answer besides its success. */
const ERRORS = {
  '400': error('Invalid request: a field has the wrong type or value, or asks for something unsupported.'),
  '401': error('No credential, or an unknown token.'),
  '403': error('A revoked token, a token without the `models` scope, or a foreign Host/Origin.'),
  '404': error('The model is not served here (`model_not_found`).'),
  '405': error('Wrong method for this path (see Allow).'),
  '413': error('The request body (or the audio file) is too large.'),
  '415': error('Wrong content type.'),
  '429': error('Over the token rate limit; see Retry-After.'),
  '500': error('An unexpected failure; the Nook log has the details.'),
  '503': error(
    'The service or model is not available (not installed, still loading, or no provider answered).',
  ),
};

const security = [{ bearer: ['models'] }];

export function openAiOpenApi(): OpenApiExtension {
  const usage = {
    type: 'object',
    required: ['prompt_tokens', 'total_tokens'],
    properties: {
      prompt_tokens: { type: 'integer' },
      completion_tokens: { type: 'integer' },
      total_tokens: { type: 'integer' },
    },
  };
  const model = {
    type: 'object',
    required: ['id', 'object', 'created', 'owned_by'],
    properties: {
      id: { type: 'string' },
      object: { const: 'model' },
      created: { type: 'integer' },
      owned_by: { type: 'string' },
      nook: {
        type: 'object',
        properties: {
          task: { enum: ['chat', 'embedding', 'stt', 'tts'] },
          displayName: { type: 'string' },
        },
      },
    },
  };
  const citation = {
    type: 'object',
    required: ['n', 'documentId', 'name', 'cited'],
    properties: {
      n: { type: 'integer' },
      documentId: { type: 'integer' },
      chunkId: { type: 'integer' },
      name: { type: 'string' },
      path: { type: 'string' },
      page: { type: ['integer', 'null'] },
      headingPath: { type: 'array', items: { type: 'string' } },
      excerpt: { type: 'string' },
      cited: { type: 'boolean' },
    },
  };
  const nookChat = {
    type: 'object',
    description: 'Nook: which provider answered, notices (failover), citations of a grounded answer.',
    properties: {
      provider: {
        type: ['object', 'null'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' } },
      },
      status: { enum: ['done', 'cut', 'stopped'] },
      notice: { type: ['string', 'null'] },
      citations: { type: 'array', items: ref('NookCitation') },
      usageSource: { type: 'string' },
    },
  };
  const fields = inputSchema(TranscriptionFieldsSchema);
  const schemas = {
    OpenAiError: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['message', 'type'],
          properties: {
            message: { type: 'string' },
            type: { type: 'string' },
            param: { type: ['string', 'null'] },
            code: { type: ['string', 'null'] },
          },
        },
      },
    },
    Model: model,
    ModelList: {
      type: 'object',
      required: ['object', 'data'],
      properties: { object: { const: 'list' }, data: { type: 'array', items: ref('Model') } },
    },
    NookCitation: citation,
    CreateEmbeddingRequest: inputSchema(EmbeddingsRequestSchema),
    CreateEmbeddingResponse: {
      type: 'object',
      required: ['object', 'data', 'model', 'usage'],
      properties: {
        object: { const: 'list' },
        data: {
          type: 'array',
          items: {
            type: 'object',
            required: ['object', 'index', 'embedding'],
            properties: {
              object: { const: 'embedding' },
              index: { type: 'integer' },
              embedding: {
                description: 'Floats, or little-endian float32 bytes in base64 (`encoding_format: base64`).',
                oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }],
              },
            },
          },
        },
        model: { type: 'string' },
        usage,
      },
    },
    CreateChatCompletionRequest: inputSchema(ChatRequestSchema),
    CreateChatCompletionResponse: {
      type: 'object',
      required: ['id', 'object', 'created', 'model', 'choices'],
      properties: {
        id: { type: 'string' },
        object: { const: 'chat.completion' },
        created: { type: 'integer' },
        model: { type: 'string' },
        choices: {
          type: 'array',
          items: {
            type: 'object',
            required: ['index', 'message', 'finish_reason'],
            properties: {
              index: { type: 'integer' },
              message: {
                type: 'object',
                required: ['role', 'content'],
                properties: { role: { const: 'assistant' }, content: { type: 'string' } },
              },
              finish_reason: { type: 'string' },
            },
          },
        },
        usage,
        nook: nookChat,
      },
    },
    CreateTranscriptionRequest: {
      ...fields,
      required: ['file', 'model'],
      properties: {
        file: { type: 'string', contentMediaType: 'application/octet-stream' },
        ...(fields.properties as Record<string, unknown>),
      },
    },
    CreateTranscriptionResponse: {
      type: 'object',
      required: ['text'],
      properties: {
        text: { type: 'string' },
        task: { type: 'string' },
        language: { type: 'string' },
        duration: { type: 'number' },
        segments: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              start: { type: 'number' },
              end: { type: 'number' },
              text: { type: 'string' },
            },
          },
        },
      },
    },
    CreateSpeechRequest: inputSchema(SpeechRequestSchema),
  };
  const paths = {
    '/v1/models': {
      get: {
        tags: ['openai'],
        operationId: 'openai.listModels',
        summary: 'The models that serve now (embedding, speech, and `nook`: the assistant router)',
        security,
        responses: { '200': { description: 'The models.', content: json(ref('ModelList')) }, ...ERRORS },
      },
    },
    '/v1/models/{id}': {
      get: {
        tags: ['openai'],
        operationId: 'openai.getModel',
        summary: 'One model',
        security,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The model.', content: json(ref('Model')) }, ...ERRORS },
      },
    },
    '/v1/embeddings': {
      post: {
        tags: ['openai'],
        operationId: 'openai.createEmbedding',
        summary: "Vectors from the knowledge base's embedding model",
        security,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('CreateEmbeddingRequest'),
              example: { model: 'nook', input: ['The Hutcheson lighthouse is painted bright red.'] },
            },
          },
        },
        responses: {
          '200': { description: 'One vector per input.', content: json(ref('CreateEmbeddingResponse')) },
          ...ERRORS,
        },
      },
    },
    '/v1/chat/completions': {
      post: {
        tags: ['openai'],
        operationId: 'openai.createChatCompletion',
        summary:
          "An answer through the assistant's provider router; `nook.grounded` answers from the knowledge base",
        security,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('CreateChatCompletionRequest'),
              example: {
                model: 'nook',
                messages: [{ role: 'user', content: 'What colour is the lighthouse?' }],
                nook: { grounded: true, k: 4 },
              },
            },
          },
        },
        responses: {
          '200': {
            description:
              'The answer, or with `stream: true` server-sent events of `chat.completion.chunk` objects ending in `data: [DONE]`.',
            content: {
              ...json(ref('CreateChatCompletionResponse')),
              'text/event-stream': { schema: { type: 'string' } },
            },
          },
          ...ERRORS,
        },
      },
    },
    '/v1/audio/transcriptions': {
      post: {
        tags: ['openai'],
        operationId: 'openai.createTranscription',
        summary: 'Speech to text with the local whisper model',
        security,
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: ref('CreateTranscriptionRequest'),
              encoding: { file: { contentType: 'application/octet-stream' } },
            },
          },
        },
        responses: {
          '200': {
            description: 'The transcript (json, verbose_json, text, srt or vtt).',
            content: {
              ...json(ref('CreateTranscriptionResponse')),
              'text/plain': { schema: { type: 'string' } },
              'application/x-subrip': { schema: { type: 'string' } },
              'text/vtt': { schema: { type: 'string' } },
            },
          },
          ...ERRORS,
        },
      },
    },
    '/v1/audio/speech': {
      post: {
        tags: ['openai'],
        operationId: 'openai.createSpeech',
        summary: 'Local text to speech (16-bit PCM WAV)',
        security,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('CreateSpeechRequest'),
              example: { model: 'nook', input: 'The ferry leaves every half hour.', response_format: 'wav' },
            },
          },
        },
        responses: {
          '200': {
            description: 'The speech as WAV.',
            content: { 'audio/wav': { schema: { type: 'string', contentMediaType: 'audio/wav' } } },
          },
          ...ERRORS,
        },
      },
    },
  };
  return {
    paths,
    schemas,
    tags: [{ name: 'openai', description: 'OpenAI-compatible endpoints over the local models' }],
  };
}
