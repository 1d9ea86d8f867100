import type { RetryPolicy } from '../shared/retry.ts';
import { DEFAULT_RETRY } from '../shared/retry.ts';
import type { SharedState } from '../shared/shared-state.ts';

// The connector's settings. Defaults are HubSpot's documented limits for public apps.

export interface LimiterSettings {
  /** Requests per interval per portal (HubSpot public apps: 110 / 10 s). */
  maxRequests: number;
  intervalMs: number;
  /** Search requests per second per portal (HubSpot: 5). */
  searchPerSecond: number;
  /** Requests in flight at once per portal. */
  maxConcurrent: number;
  /** Follow the X-HubSpot-RateLimit-Max / -Interval-Milliseconds a portal reports (e.g. a higher tier). */
  adoptPortalLimits: boolean;
}

export interface HubspotOptions {
  /** API base URL: https://api.hubapi.com in production, the simulator's URL in tests and the demo. */
  baseUrl: string;
  /** HubSpot's consent page. */
  authorizeBaseUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  limiter: LimiterSettings;
  /** The app's multi-checkbox contact property. */
  tagProperty: string;
  /** The app-owned unique-value property that holds the shared person's id on copies made without an email. */
  sharedIdProperty: string;
  /** The property group the app's properties live in. */
  propertyGroup: string;
  retry: RetryPolicy;
  /** Refresh an access token this long before it expires. */
  refreshAheadMs: number;
  /** How long to wait after a 423 (HubSpot: 2 s). */
  lockedWaitMs: number;
  /** Limits and tokens shared by every worker (connectors/shared/shared-state.ts); in memory when not given. */
  sharedState?: SharedState;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now: () => number;
}

export const DEFAULT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.deals.read',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
] as const;

/** Asked for as well when the tenant keeps lists (setting `segments`; manifest.json conditionallyRequiredScopes). */
export const SEGMENT_SCOPES = ['crm.lists.read', 'crm.lists.write'] as const;

/** The scope a connected portal must have granted for the app to make its lists. */
export const LISTS_WRITE_SCOPE = 'crm.lists.write';

export const DEFAULT_LIMITER: LimiterSettings = {
  maxRequests: 110,
  intervalMs: 10_000,
  searchPerSecond: 5,
  maxConcurrent: 8,
  adoptPortalLimits: true,
};

export type HubspotOptionsInput = Partial<Omit<HubspotOptions, 'limiter'>> & {
  limiter?: Partial<LimiterSettings>;
};

export function resolveOptions(input: HubspotOptionsInput = {}): HubspotOptions {
  return {
    baseUrl: 'https://api.hubapi.com',
    authorizeBaseUrl: 'https://app.hubspot.com/oauth/authorize',
    clientId: '',
    clientSecret: '',
    scopes: DEFAULT_SCOPES,
    tagProperty: 'community_sync_tags',
    sharedIdProperty: 'community_sync_shared_id',
    propertyGroup: 'community_sync',
    retry: DEFAULT_RETRY,
    refreshAheadMs: 5 * 60_000,
    lockedWaitMs: 2_000,
    now: Date.now,
    ...input,
    limiter: { ...DEFAULT_LIMITER, ...input.limiter },
  };
}

/** The contact properties the app writes itself: changes to them are its own writes echoing back. */
export function appProperties(
  options: Pick<HubspotOptions, 'tagProperty' | 'sharedIdProperty'> = resolveOptions(),
) {
  return new Set([options.tagProperty, options.sharedIdProperty]);
}
