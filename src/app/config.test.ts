import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'cs-config-'));

describe('configuration from the environment', () => {
  it('without provider credentials runs the sandbox on defaults, with an APP_SECRET generated once', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({ sandbox: true, PORT: 3000, publicUrl: 'http://localhost:3000' });
    expect(config.appSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dir, 'app-secret'), 'utf8').trim()).toBe(config.appSecret);
    expect(loadConfig({ DATA_DIR: dir }).appSecret).toBe(config.appSecret);
  });

  it('a HUBSPOT_CLIENT_SECRET alone keeps the sandbox', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), HUBSPOT_CLIENT_SECRET: 's' }).sandbox).toBe(true);
  });

  it('real mode needs APP_SECRET, PUBLIC_URL and each client id with its secret', () => {
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'id' })).toThrow(ConfigError);
    try {
      loadConfig({ HUBSPOT_CLIENT_ID: 'id' });
    } catch (error) {
      expect((error as Error).message).toMatch(/HUBSPOT_CLIENT_SECRET: required/);
      expect((error as Error).message).toMatch(/APP_SECRET: required/);
      expect((error as Error).message).toMatch(/PUBLIC_URL: required/);
    }
    const real = loadConfig({
      HUBSPOT_CLIENT_ID: 'id',
      HUBSPOT_CLIENT_SECRET: 'secret',
      APP_SECRET: 'x'.repeat(40),
      PUBLIC_URL: 'https://sync.example.com',
    });
    expect(real).toMatchObject({ sandbox: false, publicUrl: 'https://sync.example.com' });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(
      /PORT: .*\n.*DATABASE_URL: .*\n.*LOG_LEVEL: /s,
    );
    expect(() => loadConfig({ APP_SECRET: 'short', DATA_DIR: dataDir() })).toThrow(
      /APP_SECRET: must be at least 32/,
    );
  });

  it('polls Salesforce every 60 s unless told otherwise; 0 turns polling off, too short an interval is refused', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).SALESFORCE_POLL_SECONDS).toBe(60);
    expect(loadConfig({ DATA_DIR: dataDir(), SALESFORCE_POLL_SECONDS: '0' }).SALESFORCE_POLL_SECONDS).toBe(0);
    expect(loadConfig({ DATA_DIR: dataDir(), SALESFORCE_POLL_SECONDS: '300' }).SALESFORCE_POLL_SECONDS).toBe(
      300,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), SALESFORCE_POLL_SECONDS: '5' })).toThrow(
      /SALESFORCE_POLL_SECONDS: must be 0 \(off\) or 10 to 86400 seconds/,
    );
  });

  it('REDIS_URL needs DATABASE_URL, and the refusal names both', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL: requires DATABASE_URL/,
    );
    const shared = loadConfig({
      DATA_DIR: dataDir(),
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://db.example.com/sync',
    });
    expect(shared).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'community-sync' });
    expect(loadConfig({ DATA_DIR: dataDir() }).REDIS_URL).toBeUndefined();
    expect(() => loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: /);
  });
});
