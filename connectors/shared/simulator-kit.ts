import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// What every provider's local API simulator shares: a log of every call, fault injection, and the HTTP plumbing.
// The provider-specific parts (routes, shapes, limits) live in connectors/<provider>/simulator.ts.

export interface LoggedCall {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  /** Path and query as sent. */
  path: string;
  /** The account (portal, org) the token named; null when the request carried none or a bad one. */
  accountId: string | null;
  status: number;
  /** Whether the simulator injected this answer (a fault), rather than the API's behaviour. */
  injected: boolean;
}

/** Every call a simulator answered, for tests and benchmarks to count and inspect. */
export class CallLog {
  readonly #calls: LoggedCall[] = [];

  record(call: LoggedCall): void {
    this.#calls.push(call);
  }

  all(): readonly LoggedCall[] {
    return this.#calls;
  }

  count(filter: (call: LoggedCall) => boolean = () => true): number {
    return this.#calls.filter(filter).length;
  }

  clear(): void {
    this.#calls.length = 0;
  }
}

export interface FaultOptions {
  /** Share (0-1) of requests answered with a 5xx. */
  serverErrorShare: number;
  /** Added latency per request, in ms. */
  latencyMs: number;
  /** Share (0-1) of requests answered with a 429 as if the window were spent. */
  rateLimitShare: number;
  /** Seed, so a faulty run can be replayed. */
  seed: number;
}

export const NO_FAULTS: FaultOptions = { serverErrorShare: 0, latencyMs: 0, rateLimitShare: 0, seed: 1 };

export type InjectedFault = 'server-error' | 'rate-limit' | null;

/** Decides, request by request and reproducibly, which faults to inject. */
export class Faults {
  #options: FaultOptions;
  #state: number;

  constructor(options: Partial<FaultOptions> = {}) {
    this.#options = { ...NO_FAULTS, ...options };
    this.#state = this.#options.seed >>> 0 || 1;
  }

  set(options: Partial<FaultOptions>): void {
    this.#options = { ...this.#options, ...options };
  }

  get latencyMs(): number {
    return this.#options.latencyMs;
  }

  next(): InjectedFault {
    const { serverErrorShare, rateLimitShare } = this.#options;
    if (serverErrorShare <= 0 && rateLimitShare <= 0) return null;
    const roll = this.#random();
    if (roll < serverErrorShare) return 'server-error';
    if (roll < serverErrorShare + rateLimitShare) return 'rate-limit';
    return null;
  }

  // xorshift32: small, seeded, good enough to spread faults.
  #random(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state / 0x1_0000_0000;
  }
}

/** Reads a request body as JSON (undefined when empty); throws SyntaxError on bad JSON. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length === 0 ? undefined : JSON.parse(text);
}

/** Reads an `application/x-www-form-urlencoded` body (OAuth token endpoints). */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...(text ? { 'content-type': 'application/json;charset=utf-8' } : {}),
    ...headers,
  });
  response.end(text);
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 (port 0 picks a free one). */
export async function listen(server: Server, port = 0): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export { createServer };
