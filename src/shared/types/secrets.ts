import { z } from 'zod';

/** Secret ids are names, never values: `provider.openai`, `voice.elevenlabs`, `qdrant.apiKey`, ... */
export const SecretIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]*(\.[a-zA-Z0-9_-]+){1,3}$/, 'A secret id looks like "provider.openai"')
  .max(96);
export type SecretId = z.infer<typeof SecretIdSchema>;

export const SecretInfoSchema = z.object({
  id: SecretIdSchema,
  label: z.string(),
  present: z.boolean(),
  /** Whether `secrets.test` can check this secret against its service. */
  testable: z.boolean(),
});
export type SecretInfo = z.infer<typeof SecretInfoSchema>;

/** The secrets the Settings screen offers out of the box; services may register more. */
export const KNOWN_SECRETS: ReadonlyArray<{ id: string; label: string }> = [
  { id: 'provider.openai', label: 'OpenAI API key' },
  { id: 'provider.gemini', label: 'Google Gemini API key' },
  { id: 'voice.elevenlabs', label: 'ElevenLabs API key' },
];
