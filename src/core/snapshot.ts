import { z } from 'zod';
import { countryCode, settingsSchema } from './settings.ts';
import { describeZodError, ValidationError } from './validation-error.ts';

// The snapshot contract of DESIGN.md section 3. Optional collections default to empty, so the rules
// never see `undefined`; connectors build the parsed shape directly.

const id = z.union([z.string().trim().min(1, 'expected a non-empty id'), z.number().int().transform(String)]);

const dateTime = z
  .string()
  .refine((value) => /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value)), {
    message: 'expected an ISO 8601 date-time, such as "2024-01-03T10:00:00Z"',
  });

const strings = z
  .array(z.string())
  .nullish()
  .transform((list) => list ?? []);

const propertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const contactSchema = z.object({
  id,
  emails: strings,
  phones: strings,
  createdAt: dateTime,
  conversions: z
    .number()
    .int()
    .min(0)
    .nullish()
    .transform((n) => n ?? 0),
  firstConversionAt: dateTime.nullish().transform((d) => d ?? null),
  properties: z
    .record(z.string(), propertyValue)
    .nullish()
    .transform((p) => p ?? {}),
  tags: strings,
  /** The tag field's stored option values, when the connector read them (tells apart same-named accounts). */
  tagValues: z.array(z.string()).optional(),
  /**
   * Match keys already normalised elsewhere (the store's keyed hashes); when present they are used as they
   * are instead of reading `emails` and `phones`.
   */
  keys: z.object({ emails: z.array(z.string()), phones: z.array(z.string()) }).optional(),
});

const stageSchema = z.object({
  id,
  label: z.string(),
  order: z.number(),
  outcome: z.enum(['won', 'lost']).nullish(),
});

const pipelineSchema = z.object({
  id,
  label: z.string().optional(),
  stages: z.array(stageSchema),
});

const dealSchema = z.object({
  id,
  pipelineId: id,
  stageId: id,
  contactIds: z
    .array(id)
    .nullish()
    .transform((ids) => ids ?? []),
});

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((items): z.output<T>[] => items ?? []);

export const childAccountSchema = z.object({
  id,
  name: z.string().min(1, 'expected the account display name'),
  country: countryCode.nullish().transform((c) => c ?? null),
  pipelines: list(pipelineSchema),
  contacts: list(contactSchema),
  deals: list(dealSchema),
});

export const corporateAccountSchema = z.object({
  id,
  name: z.string().min(1, 'expected the account display name'),
  country: countryCode.nullish().transform((c) => c ?? null),
  contacts: list(contactSchema),
});

export const snapshotSchema = z
  .object({
    settings: settingsSchema.nullish().transform((s) => s ?? settingsSchema.parse({})),
    children: z.array(childAccountSchema),
    corporate: corporateAccountSchema.nullish().transform((c) => c ?? null),
    /**
     * Keys of people who asked to be forgotten (privacy deletions), in the form the contacts' keys take (the
     * store's keyed hashes): a shared person carrying one is never copied into the corporate account.
     */
    suppressed: z.array(z.string()).optional(),
  })
  .superRefine((snapshot, ctx) => {
    const accountIds = new Set<string>();
    const accounts = [
      ...snapshot.children.map((account, i) => ({ account, path: ['children', i] })),
      ...(snapshot.corporate ? [{ account: snapshot.corporate, path: ['corporate'] }] : []),
    ];
    for (const { account, path } of accounts) {
      if (accountIds.has(account.id)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'id'],
          message: `duplicate account id "${account.id}"`,
        });
      }
      accountIds.add(account.id);
      reportDuplicates(
        account.contacts.map((c) => c.id),
        [...path, 'contacts'],
        'contact',
        ctx,
      );
    }
    snapshot.children.forEach((child, i) => {
      reportDuplicates(
        child.pipelines.map((p) => p.id),
        ['children', i, 'pipelines'],
        'pipeline',
        ctx,
      );
      child.pipelines.forEach((pipeline, p) => {
        reportDuplicates(
          pipeline.stages.map((s) => s.id),
          ['children', i, 'pipelines', p, 'stages'],
          'stage',
          ctx,
        );
      });
    });
  });

function reportDuplicates(
  ids: string[],
  path: (string | number)[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  ids.forEach((value, index) => {
    if (seen.has(value))
      ctx.addIssue({
        code: 'custom',
        path: [...path, index, 'id'],
        message: `duplicate ${what} id "${value}"`,
      });
    seen.add(value);
  });
}

export type Snapshot = z.output<typeof snapshotSchema>;
export type SnapshotInput = z.input<typeof snapshotSchema>;
export type ChildAccount = Snapshot['children'][number];
export type CorporateAccount = NonNullable<Snapshot['corporate']>;
export type Contact = z.output<typeof contactSchema>;
export type Pipeline = ChildAccount['pipelines'][number];
export type Deal = ChildAccount['deals'][number];

/** Checks a parsed JSON value against the contract; throws a ValidationError naming each bad field. */
export function parseSnapshot(value: unknown): Snapshot {
  const result = snapshotSchema.safeParse(value);
  if (!result.success) throw new ValidationError(describeZodError(result.error));
  return result.data;
}
