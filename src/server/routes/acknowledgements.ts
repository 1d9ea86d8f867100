import { Router } from 'express';
import { z } from 'zod';
import type { Store } from '../../store/store.ts';
import { adminOf, type RouteContext } from '../context.ts';
import { HttpError } from '../errors.ts';

// What an admin acknowledged before the app moves personal data between the communities' businesses: an export
// of people with their emails and phones, and corporate copies. Each acknowledgement is an admin action.

export const ACKNOWLEDGEMENTS = {
  export: 'an export of shared people with their emails and phones moves personal data between communities',
  'corporate-copies':
    "corporate copies put each shared person's record, with email and phone, into the corporate account",
} as const;

export type AcknowledgementKind = keyof typeof ACKNOWLEDGEMENTS;

const body = z.strictObject({
  kind: z.enum(Object.keys(ACKNOWLEDGEMENTS) as [AcknowledgementKind, ...AcknowledgementKind[]]),
});

/** GET /'s `acknowledged`. */
export async function acknowledgedOf(
  store: Store,
  tenantId: string,
): Promise<{ export: boolean; corporateCopies: boolean }> {
  const given = await store.admins.acknowledged(tenantId);
  return { export: given.has('export'), corporateCopies: given.has('corporate-copies') };
}

/** 409 naming the acknowledgement to give first (POST /acknowledgements), unless an admin gave it. */
export async function requireAcknowledgement(
  store: Store,
  tenantId: string,
  kind: AcknowledgementKind,
): Promise<void> {
  if ((await store.admins.acknowledged(tenantId)).has(kind)) return;
  throw new HttpError(409, `acknowledge first that ${ACKNOWLEDGEMENTS[kind]}`, { needs: kind });
}

export function acknowledgementRoutes(ctx: RouteContext): Router {
  const router = Router();
  router.post('/acknowledgements', async (request, response) => {
    const { tenantId, admin } = adminOf(response);
    const { kind } = body.parse(request.body ?? {});
    await ctx.store.admins.record(tenantId, admin, 'acknowledge', { kind });
    response.status(204).end();
  });
  return router;
}
