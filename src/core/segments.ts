import type { Mode, Settings } from './settings.ts';
import { PRIMARY, SECONDARY } from './tags.ts';

// Issue 12: the three lists the app keeps in every child account, named in the mode's words. The connector
// creates each as a list the CRM keeps up to date itself from the app's tag field.

export type SegmentKey = 'shared' | 'primary' | 'secondary';

/** One list: records whose tag field holds any of `tagValues` (connectors/connector.ts SegmentSpec). */
export interface SegmentSpecOf {
  key: SegmentKey;
  name: string;
  tagValues: string[];
}

/** The three lists' names: "<prefix> shared with other communities" (or "child accounts" in B2B/B2C mode), … */
export function segmentNames(mode: Mode, prefix: string): Record<SegmentKey, string> {
  const others = mode === 'senior-living' ? 'communities' : 'child accounts';
  return {
    shared: `${prefix} shared with other ${others}`,
    primary: `${prefix} primary here`,
    secondary: `${prefix} primary elsewhere (suppress)`,
  };
}

/**
 * The lists for the tenant's settings. "Shared" is the primary and the secondary tag only: every shared record
 * carries exactly one of them, so user tags would add no member, and they would make the list's filter depend on
 * a setting the admin edits while a found list's filter is never changed (an admin's edits are kept).
 */
export function segmentSpecs(settings: Pick<Settings, 'mode' | 'segmentPrefix'>): SegmentSpecOf[] {
  const names = segmentNames(settings.mode, settings.segmentPrefix);
  return [
    { key: 'shared', name: names.shared, tagValues: [PRIMARY.value, SECONDARY.value] },
    { key: 'primary', name: names.primary, tagValues: [PRIMARY.value] },
    { key: 'secondary', name: names.secondary, tagValues: [SECONDARY.value] },
  ];
}
