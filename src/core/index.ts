export { chunks } from './chunks.ts';
export {
  heldReason,
  MASS_CHANGE_MIN,
  MASS_CHANGE_SHARE,
  type MassChange,
  massChanges,
} from './mass-change.ts';
export { KeyReader } from './match-keys.ts';
export { emailKey, PhoneReader } from './normalise.ts';
export { createPlan, type PlanOptions } from './plan.ts';
export type * from './plan-types.ts';
export { removalPlan } from './removal-plan.ts';
export { type RevertedChange, type RevertOptions, revertPlan } from './revert-plan.ts';
export { type SegmentKey, type SegmentSpecOf, segmentNames, segmentSpecs } from './segments.ts';
export { DEFAULT_SETTINGS, type MatchOn, mergeSettings, type Settings, settingsSchema } from './settings.ts';
export * from './snapshot.ts';
export { engagingTag, PRIMARY_TAG, SECONDARY_TAG, sortedTags, type TagOption, userTag } from './tags.ts';
export { ValidationError } from './validation-error.ts';
