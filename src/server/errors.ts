import { z } from 'zod';
import { ConnectorError } from '../../connectors/connector.ts';
import { WebhookPayloadError } from '../../webhooks/hubspot.ts';
import { describeZodError } from '../core/validation-error.ts';
import { RunInProgressError } from '../store/store.ts';

// The one place that turns an error into an HTTP status and a message for the caller. Bad input is a 4xx that
// names the problem; only what is truly ours is a 500, and its details go to the log, never to the caller.

export class HttpError extends Error {
  /** `fields`: more of the answer's body next to `error`, for a client to act on (what it `needs` first). */
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** body-parser and Express mark errors the client caused with `status` and `expose`. */
interface ClientFault {
  status: number;
  expose?: boolean;
  type?: string;
  limit?: number;
}

const clientFault = (error: unknown): ClientFault | null => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? (error as ClientFault) : null;
};

const kilobytes = (bytes: number | undefined) => (bytes ? `${Math.round(bytes / 1024)} kB` : 'the limit');

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return new HttpError(400, describeZodError(error).join('; '));
  if (error instanceof RunInProgressError) return new HttpError(409, error.message);
  if (error instanceof WebhookPayloadError) return new HttpError(400, error.message);
  if (error instanceof ConnectorError && error.kind === 'rejected' && error.operation === 'exchange code') {
    return new HttpError(
      400,
      `the CRM refused the authorisation (${error.providerMessage}): start again from the app`,
    );
  }
  const fault = clientFault(error);
  if (fault) {
    switch (fault.type) {
      case 'entity.too.large':
        return new HttpError(413, `the request body is larger than ${kilobytes(fault.limit)}`);
      case 'entity.parse.failed':
        return new HttpError(400, 'the request body is not a JSON object or array');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new HttpError(415, 'send the request body as UTF-8 JSON');
      default:
        return new HttpError(fault.status, fault.expose ? (error as Error).message : 'bad request');
    }
  }
  return new HttpError(500, 'internal error');
}
