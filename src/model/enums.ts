/**
 * The closed vocabularies of the data model. Each is declared once here; the warehouse creates a
 * matching ENUM type from it and importers reject values outside it.
 */

/** Behaviour event types (DOMAIN.md section 1). The first four are the Taobao UserBehavior types. */
export const EVENT_TYPES = [
  'pv',
  'fav',
  'cart',
  'buy',
  'search',
  'comment',
  'like',
  'share',
  'follow',
  'login',
  'coupon_claim',
  'coupon_use',
  'live_watch',
  'live_like',
  'live_follow',
  'live_reward',
  'content_view',
  'invite_click',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SOCIAL_EDGE_KINDS = ['friend', 'invite', 'follow', 'share'] as const;
export type SocialEdgeKind = (typeof SOCIAL_EDGE_KINDS)[number];

export const CONTENT_KINDS = ['graphic', 'short_video', 'live'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export const REVIEW_MEDIA = ['text', 'image', 'video'] as const;
export type ReviewMedia = (typeof REVIEW_MEDIA)[number];

export const GENDERS = ['female', 'male'] as const;
export type Gender = (typeof GENDERS)[number];

export const CONSENT_PURPOSES = ['targeting', 'personalisation'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export const ENUMS = {
  event_type: EVENT_TYPES,
  social_edge_kind: SOCIAL_EDGE_KINDS,
  content_kind: CONTENT_KINDS,
  review_media: REVIEW_MEDIA,
  gender: GENDERS,
  consent_purpose: CONSENT_PURPOSES,
} as const;
export type EnumName = keyof typeof ENUMS;
