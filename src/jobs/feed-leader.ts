import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../connectors/connector.ts';

// Work that must run in exactly one of the worker processes (the Salesforce poller and change streams keep per-org
// state in memory): each worker competes for a lease in Redis; the holder renews it, runs the work, and stops it
// once it cannot renew. A holder killed outright leaves the lease to lapse, and another worker takes over.

export interface Lead {
  stop(): Promise<void>;
}

export interface FeedLeaderOptions {
  redis: Redis;
  key: string;
  logger: Logger;
  /** Starts the work when this process becomes the holder. */
  lead(): Lead;
  /** How long a lease lasts unrenewed; renewed every third of it. */
  leaseMs?: number;
}

// Renews the lease only while this process still holds it.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class FeedLeader {
  readonly #id = randomUUID();
  #lead: Lead | null = null;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly options: FeedLeaderOptions) {}

  get leading(): boolean {
    return this.#lead !== null;
  }

  start(): void {
    this.#stopped = false;
    // The first try waits for the connection: on a fail-fast one still opening, it failed at once, warned that
    // Redis could not be reached, and left the work to the next try, a third of a lease later.
    const { redis } = this.options;
    if (redis.status === 'ready') void this.#tick();
    else redis.once('ready', () => this.#stopped || void this.#tick());
  }

  async #tick(): Promise<void> {
    const { redis, key, logger } = this.options;
    const leaseMs = this.options.leaseMs ?? 30_000;
    let holds = false;
    try {
      holds = this.#lead
        ? Number(await redis.eval(RENEW, 1, key, this.#id, leaseMs)) === 1
        : (await redis.set(key, this.#id, 'PX', leaseMs, 'NX')) === 'OK';
    } catch (error) {
      logger.warn({ key, error: String(error) }, 'could not reach Redis for the feed lease');
    }
    if (holds && !this.#lead && !this.#stopped) {
      logger.info({ key }, 'this worker runs the Salesforce feeds');
      this.#lead = this.options.lead();
    } else if (!holds && this.#lead) {
      logger.warn({ key }, 'feed lease lost; this worker stops the Salesforce feeds');
      await this.#drop();
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), leaseMs / 3);
    this.#timer.unref();
  }

  async #drop(): Promise<void> {
    const lead = this.#lead;
    this.#lead = null;
    await lead?.stop();
  }

  /** Stops the work (if held) and hands the lease back at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const held = this.#lead !== null;
    await this.#drop();
    if (held) await this.options.redis.eval(RELEASE, 1, this.options.key, this.#id).catch(() => {});
  }
}
