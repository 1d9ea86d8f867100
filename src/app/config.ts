import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

// Every setting is an environment variable (README "Configuration"), validated once at start.

const port = z.coerce.number().int().min(0).max(65_535);
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const url = optional.pipe(z.url({ protocol: /^https?$/ }).optional());

export const envSchema = z.object({
  PORT: port.default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /**
   * Redis for the job queue shared by `serve` and any number of `worker` processes, and for the state they share
   * (limits, token refreshes); without it, all in-process.
   */
  REDIS_URL: optional.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  /** Prefix of the queue's Redis keys, so deployments (or test runs) sharing one Redis stay apart. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('community-sync'),
  APP_SECRET: optional.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  PUBLIC_URL: url,
  HUBSPOT_CLIENT_ID: optional,
  HUBSPOT_CLIENT_SECRET: optional,
  SALESFORCE_CLIENT_ID: optional,
  SALESFORCE_CLIENT_SECRET: optional,
  SALESFORCE_LOGIN_URL: url,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  /** Seconds between polls of each connected Salesforce org for changes; 0 turns polling off. */
  SALESFORCE_POLL_SECONDS: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 10 && n <= 86_400), 'must be 0 (off) or 10 to 86400 seconds')
    .default(60),
  FRAME_ANCESTORS: optional.pipe(
    z
      .string()
      .optional()
      .transform((value) => (value ?? '').split(/[\s,]+/).filter(Boolean))
      .pipe(z.array(z.url({ protocol: /^https$/ }).transform((u) => new URL(u).origin))),
  ),
});

export type Env = z.output<typeof envSchema>;

export interface Config extends Env {
  /** Sandbox: no provider credentials, so the app runs against its own HubSpot simulator with demo data. */
  sandbox: boolean;
  appSecret: string;
  publicUrl: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the environment; every bad variable is named with what was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`bad environment settings:\n${lines.join('\n')}\nSee README.md "Configuration".`);
  }
  const values = parsed.data;
  const sandbox = !values.HUBSPOT_CLIENT_ID && !values.SALESFORCE_CLIENT_ID;
  const problems: string[] = [];
  if (values.HUBSPOT_CLIENT_ID && !values.HUBSPOT_CLIENT_SECRET) {
    problems.push('  HUBSPOT_CLIENT_SECRET: required with HUBSPOT_CLIENT_ID');
  }
  if (values.SALESFORCE_CLIENT_ID && !values.SALESFORCE_CLIENT_SECRET) {
    problems.push('  SALESFORCE_CLIENT_SECRET: required with SALESFORCE_CLIENT_ID');
  }
  if (!sandbox && !values.APP_SECRET)
    problems.push('  APP_SECRET: required outside sandbox mode (32+ characters)');
  if (!sandbox && !values.PUBLIC_URL)
    problems.push('  PUBLIC_URL: required outside sandbox mode (OAuth redirect URLs)');
  // Workers share the database: the embedded one opens in one process only.
  if (values.REDIS_URL && !values.DATABASE_URL)
    problems.push(
      '  REDIS_URL: requires DATABASE_URL (serve and the workers share one Postgres server; the embedded database opens in one process only)',
    );
  if (problems.length > 0) {
    throw new ConfigError(
      `bad environment settings:\n${problems.join('\n')}\nSee README.md "Configuration".`,
    );
  }
  return {
    ...values,
    sandbox,
    appSecret: values.APP_SECRET ?? sandboxSecret(values.DATA_DIR),
    publicUrl: values.PUBLIC_URL ?? `http://localhost:${values.PORT}`,
  };
}

/** Sandbox only: a secret generated once into DATA_DIR, so tokens stay readable across restarts. */
function sandboxSecret(dataDir: string): string {
  const file = join(resolve(dataDir), 'app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
