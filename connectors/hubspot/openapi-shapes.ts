import { z } from 'zod';
import { introspection, oauthError, tokenQuestion, tokenRequest, tokenResponse } from './oauth-shapes.ts';

// Request and response shapes of the HubSpot endpoints the connector and simulator use, written from the facts
// of HubSpot's public OpenAPI specs (the CRM v3 Contacts, Deals, Pipelines and Properties specs, as generated
// into @hubspot/api-client 13.5.0's models, and the Auth OAuth v3 spec: required fields, field names on the
// wire, types). Tests validate every recorded request and response of a full sync against them. Objects stay open
// (`looseObject`): the specs allow fields beyond those listed.

const dateTime = z.iso.datetime({ offset: true });
const properties = z.record(z.string(), z.string().nullable());

// Contacts spec: ForwardPaging { next?: NextPage { after (required), link? } }.
const forwardPaging = z.looseObject({
  next: z.looseObject({ after: z.string(), link: z.string().optional() }).optional(),
});

// Contacts spec: AssociatedId { id, type } inside CollectionResponseAssociatedId { results, paging? }.
const associations = z.record(
  z.string(),
  z.looseObject({
    results: z.array(z.looseObject({ id: z.string(), type: z.string() })),
    paging: z.unknown().optional(),
  }),
);

// Contacts / Deals spec: SimplePublicObject(WithAssociations) requires id, properties, createdAt, updatedAt.
const simplePublicObject = z.looseObject({
  id: z.string(),
  properties,
  createdAt: dateTime,
  updatedAt: dateTime,
  archived: z.boolean().optional(),
  associations: associations.optional(),
});

// CollectionResponseSimplePublicObjectWithAssociationsForwardPaging { results (required), paging? }.
export const listPage = z.looseObject({
  results: z.array(simplePublicObject),
  paging: forwardPaging.optional(),
});

// StandardError (batch record errors): status, category, message, errors, context, links required.
const standardError = z.looseObject({
  status: z.string(),
  category: z.string(),
  message: z.string(),
  errors: z.array(z.unknown()),
  context: z.record(z.string(), z.array(z.string())),
  links: z.record(z.string(), z.string()),
});

// BatchResponseSimplePublicObject(WithErrors): status enum, results, startedAt, completedAt required.
const batchStatus = z.enum(['PENDING', 'PROCESSING', 'CANCELED', 'COMPLETE']);
export const batchResponse = z.looseObject({
  status: batchStatus,
  results: z.array(simplePublicObject),
  startedAt: dateTime,
  completedAt: dateTime,
  numErrors: z.number().int().optional(),
  errors: z.array(standardError).optional(),
});

// BatchResponseSimplePublicUpsertObject: results are SimplePublicUpsertObject, which adds the required `new`.
export const batchUpsertResponse = batchResponse.extend({
  results: z.array(simplePublicObject.extend({ new: z.boolean() })),
});

// BatchInputSimplePublicObjectBatchInput { inputs: [{ id, properties, idProperty? }] } (at most 100 inputs:
// HubSpot's documented batch limit).
export const batchUpdateRequest = z.strictObject({
  inputs: z
    .array(
      z.strictObject({
        id: z.string(),
        properties: z.record(z.string(), z.string()),
        idProperty: z.string().optional(),
      }),
    )
    .max(100),
});

// BatchInputSimplePublicObjectBatchInputUpsert { inputs: [{ id, idProperty?, properties }] }.
export const batchUpsertRequest = z.strictObject({
  inputs: z
    .array(
      z.strictObject({
        id: z.string(),
        idProperty: z.string(),
        properties: z.record(z.string(), z.string()),
      }),
    )
    .max(100),
});

// BatchReadInputSimplePublicObjectId { inputs: [{ id }], properties, propertiesWithHistory, idProperty? } (at most
// 100 inputs); the answer is a BatchResponseSimplePublicObject (207 with errors for ids it does not have).
export const batchReadRequest = z.strictObject({
  inputs: z.array(z.strictObject({ id: z.string() })).max(100),
  properties: z.array(z.string()),
  propertiesWithHistory: z.array(z.string()),
  idProperty: z.string().optional(),
});

// Associations v4 spec: BatchInputPublicFetchAssociationsBatchRequest { inputs: [{ id, after? }] }, answered by
// BatchResponsePublicAssociationMultiWithLabel { status, results: [{ from: { id }, to: [{ toObjectId,
// associationTypes }], paging? }], startedAt, completedAt } (207 with errors for ids without associations).
export const associationsReadRequest = z.strictObject({
  inputs: z.array(z.strictObject({ id: z.string(), after: z.string().optional() })).max(1000),
});
export const associationsReadResponse = z.looseObject({
  status: batchStatus,
  results: z.array(
    z.looseObject({
      from: z.looseObject({ id: z.string() }),
      to: z.array(
        z.looseObject({
          toObjectId: z.union([z.string(), z.number()]),
          associationTypes: z.array(
            z.looseObject({
              category: z.string(),
              typeId: z.number().int(),
              label: z.string().nullable().optional(),
            }),
          ),
        }),
      ),
      paging: forwardPaging.optional(),
    }),
  ),
  startedAt: dateTime,
  completedAt: dateTime,
  numErrors: z.number().int().optional(),
  errors: z.array(standardError).optional(),
});

// PublicObjectSearchRequest and CollectionResponseWithTotalSimplePublicObjectForwardPaging { total, results }.
export const searchRequest = z.looseObject({
  filterGroups: z
    .array(
      z.looseObject({
        filters: z.array(
          z.looseObject({ propertyName: z.string(), operator: z.string(), value: z.string().optional() }),
        ),
      }),
    )
    .optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().optional(),
  after: z.string().optional(),
});
export const searchResponse = z.looseObject({
  total: z.number().int(),
  results: z.array(simplePublicObject),
  paging: forwardPaging.optional(),
});

// Pipelines spec: Pipeline { id, label, displayOrder, stages, createdAt, updatedAt, archived } and
// PipelineStage { id, label, displayOrder, metadata (string map), createdAt, updatedAt, archived }.
const pipelineStage = z.looseObject({
  id: z.string(),
  label: z.string(),
  displayOrder: z.number(),
  metadata: z.record(z.string(), z.string()),
  createdAt: dateTime,
  updatedAt: dateTime,
  archived: z.boolean(),
});
export const pipelinesResponse = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      label: z.string(),
      displayOrder: z.number(),
      stages: z.array(pipelineStage),
      createdAt: dateTime,
      updatedAt: dateTime,
      archived: z.boolean(),
    }),
  ),
});

// Properties spec: Option { label, value, displayOrder?, hidden } and Property { name, label, type, fieldType,
// groupName, description, options } required.
const option = z.looseObject({
  label: z.string(),
  value: z.string(),
  displayOrder: z.number().optional(),
  hidden: z.boolean(),
});
export const property = z.looseObject({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string(),
  description: z.string(),
  options: z.array(option),
  hasUniqueValue: z.boolean().optional(),
});
// PropertyCreate { name, label, type (enum), fieldType (enum), groupName required; options?: OptionInput[] }.
const optionInput = z.strictObject({
  label: z.string(),
  value: z.string(),
  displayOrder: z.number().optional(),
  hidden: z.boolean(),
  description: z.string().optional(),
});
export const propertyCreate = z.looseObject({
  name: z.string(),
  label: z.string(),
  type: z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']),
  fieldType: z.enum([
    'textarea',
    'text',
    'date',
    'file',
    'number',
    'select',
    'radio',
    'checkbox',
    'booleancheckbox',
    'calculation_equation',
    'html',
    'phonenumber',
  ]),
  groupName: z.string(),
  options: z.array(optionInput).optional(),
  hasUniqueValue: z.boolean().optional(),
});
// PropertyUpdate: every field optional.
export const propertyUpdate = z.looseObject({
  options: z.array(optionInput).optional(),
  label: z.string().optional(),
});
// PropertyGroupCreate { name, label, displayOrder? } and PropertyGroup { name, label, displayOrder, archived }.
export const groupCreate = z.strictObject({
  name: z.string(),
  label: z.string(),
  displayOrder: z.number().optional(),
});
export const group = z.looseObject({
  name: z.string(),
  label: z.string(),
  displayOrder: z.number(),
  archived: z.boolean(),
});

// Error { message, correlationId, category required; subCategory?, context?, links?, errors? }.
export const errorResponse = z.looseObject({
  message: z.string(),
  correlationId: z.uuid(),
  category: z.string(),
});
// The rate-limit answer HubSpot documents for its ten-secondly window.
export const rateLimitResponse = z.looseObject({
  status: z.literal('error'),
  message: z.string(),
  errorType: z.literal('RATE_LIMIT'),
  correlationId: z.uuid(),
  category: z.string(),
  policyName: z.string(),
});

// Associations v4 spec: CollectionResponseMultiAssociatedObjectWithLabelForwardPaging { results, paging? } of
// MultiAssociatedObjectWithLabel { toObjectId (int64), associationTypes[{category, typeId, label?}] }.
export const associationsPage = z.looseObject({
  results: z.array(
    z.looseObject({
      toObjectId: z.number().int(),
      associationTypes: z.array(z.looseObject({ category: z.string(), typeId: z.number().int() })),
    }),
  ),
  paging: forwardPaging.optional(),
});

// Contacts / Deals spec: SimplePublicObjectInputForCreate { properties (required), associations? }.
const objectInput = z.looseObject({ properties: z.record(z.string(), z.string()) });
// Contacts spec: PublicMergeInput { primaryObjectId, objectIdToMerge }.
const mergeInput = z.strictObject({ primaryObjectId: z.string(), objectIdToMerge: z.string() });

type Shape = z.ZodType;
interface Route {
  method: string;
  path: RegExp;
  request?: Shape;
  /** By status class: 2xx answers, and any error. */
  ok: Shape;
}

const ROUTES: Route[] = [
  { method: 'GET', path: /^\/crm\/v3\/objects\/(contacts|deals)$/, ok: listPage },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/(contacts|deals)\/batch\/read$/,
    request: batchReadRequest,
    ok: batchResponse,
  },
  {
    method: 'POST',
    path: /^\/crm\/v4\/associations\/(contacts\/deals|deals\/contacts)\/batch\/read$/,
    request: associationsReadRequest,
    ok: associationsReadResponse,
  },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/contacts\/batch\/update$/,
    request: batchUpdateRequest,
    ok: batchResponse,
  },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/contacts\/batch\/upsert$/,
    request: batchUpsertRequest,
    ok: batchUpsertResponse,
  },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/contacts\/search$/,
    request: searchRequest,
    ok: searchResponse,
  },
  { method: 'GET', path: /^\/crm\/v3\/pipelines\/deals$/, ok: pipelinesResponse },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/(contacts|deals)$/,
    request: objectInput,
    ok: simplePublicObject,
  },
  {
    method: 'POST',
    path: /^\/crm\/v3\/objects\/contacts\/merge$/,
    request: mergeInput,
    ok: simplePublicObject,
  },
  { method: 'GET', path: /^\/crm\/v3\/objects\/(contacts|deals)\/[^/]+$/, ok: simplePublicObject },
  {
    method: 'PATCH',
    path: /^\/crm\/v3\/objects\/(contacts|deals)\/[^/]+$/,
    request: objectInput,
    ok: simplePublicObject,
  },
  // Archiving answers 204 with no body.
  { method: 'DELETE', path: /^\/crm\/v3\/objects\/(contacts|deals)\/[^/]+$/, ok: z.undefined() },
  { method: 'GET', path: /^\/crm\/v4\/objects\/deals\/[^/]+\/associations\/contacts$/, ok: associationsPage },
  { method: 'POST', path: /^\/crm\/v3\/properties\/contacts\/groups$/, request: groupCreate, ok: group },
  { method: 'GET', path: /^\/crm\/v3\/properties\/contacts\/[^/]+$/, ok: property },
  { method: 'POST', path: /^\/crm\/v3\/properties\/contacts$/, request: propertyCreate, ok: property },
  {
    method: 'PATCH',
    path: /^\/crm\/v3\/properties\/contacts\/[^/]+$/,
    request: propertyUpdate,
    ok: property,
  },
  { method: 'POST', path: /^\/oauth\/v3\/token$/, request: tokenRequest, ok: tokenResponse },
  { method: 'POST', path: /^\/oauth\/v3\/token\/introspect$/, request: tokenQuestion, ok: introspection },
  // Revocation answers success with no body.
  { method: 'POST', path: /^\/oauth\/v3\/token\/revoke$/, request: tokenQuestion, ok: z.undefined() },
];

/** What is wrong with one recorded exchange, against the spec shapes; empty when nothing. */
export function specViolations(exchange: {
  method: string;
  path: string;
  status: number;
  requestBody: unknown;
  responseBody: unknown;
}): string[] {
  const where = `${exchange.method} ${exchange.path} → ${exchange.status}`;
  const route = ROUTES.find((r) => r.method === exchange.method && r.path.test(exchange.path));
  if (!route) return [`${where}: not an endpoint of the specs used here`];
  const problems: string[] = [];
  if (route.request && exchange.requestBody !== undefined) {
    const parsed = route.request.safeParse(exchange.requestBody);
    if (!parsed.success) problems.push(`${where} request: ${parsed.error.message}`);
  }
  const error = exchange.path.startsWith('/oauth/') ? oauthError : errorResponse;
  const shape = exchange.status === 429 ? rateLimitResponse : exchange.status >= 400 ? error : route.ok;
  const parsed = shape.safeParse(exchange.responseBody);
  if (!parsed.success) problems.push(`${where} response: ${parsed.error.message}`);
  return problems;
}
