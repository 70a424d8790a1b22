/**
 * The canonical data model: every table Portrait stores, declared once. The warehouse DDL, the importers'
 * validation and docs/data-model.md are all derived from these declarations.
 */
import type { EnumName } from './enums.js';

export type ColumnType =
  | 'id' // 64-bit integer identifier
  | 'key' // unsigned 64-bit hash key
  | 'int'
  | 'float'
  | 'money' // exact decimal, two places
  | 'bool'
  | 'timestamp' // the platform's local wall-clock time (config utcOffsetHours), second precision or finer
  | 'date'
  | 'text'
  | 'json'
  | 'hash' // salted hash of a personal identifier, never the identifier itself
  | { enum: EnumName };

export interface Column {
  name: string;
  type: ColumnType;
  /** Rows without a value are quarantined on import. */
  required?: boolean;
  /** A personal identifier: importers store only its salted hash (or an MD5 the source already applied). */
  personal?: boolean;
  description: string;
}

export interface Table {
  name: string;
  description: string;
  columns: Column[];
  /**
   * Columns identifying a row. Importing a row whose key is already stored replaces it (entities) or is
   * skipped (events, which never change once they happened).
   */
  key: string[];
  onDuplicate: 'replace' | 'skip';
  /** Importable with `portrait import ENTITY FILE`. Meta tables are not. */
  importable: boolean;
}

const col = (name: string, type: ColumnType, description: string, extra: Partial<Column> = {}): Column => ({
  name,
  type,
  description,
  ...extra,
});

export const EVENTS: Table = {
  name: 'events',
  description: 'Behaviour events (埋点): one row per thing a user or device did.',
  key: ['event_id'],
  onDuplicate: 'skip',
  importable: true,
  columns: [
    col('event_id', 'key', 'Stable event key. Supplied, or a hash of the event content when the source has none, so re-importing a file adds nothing.'),
    col('user_id', 'id', 'Account id of the actor.', { required: true }),
    col('device_id', 'hash', 'Device or anonymous id (IMEI, IDFA), salted hash.', { personal: true }),
    col('ts', 'timestamp', 'When it happened, as the platform\'s local wall-clock time.', { required: true }),
    col('type', { enum: 'event_type' }, 'Behaviour type: pv, fav, cart, buy, search, comment, like, share, follow, login, coupon_claim, coupon_use, live_watch, live_like, live_follow, live_reward, content_view, invite_click.', { required: true }),
    col('item_id', 'id', 'Item concerned, if any.'),
    col('category_id', 'id', 'Category of the item or content, if any.'),
    col('content_id', 'id', 'Content (post, short video) concerned, if any.'),
    col('live_id', 'id', 'Live stream concerned, if any.'),
    col('amount', 'money', 'Money paid (buy) or rewarded (live_reward), in yuan.'),
    col('quantity', 'int', 'Units bought or carted.'),
    col('dwell_s', 'float', 'Seconds spent on the page, video or stream.'),
    col('geohash', 'text', 'Where it happened, as a geohash.'),
    col('referrer_user_id', 'id', 'User whose share or invite led here.'),
    col('properties', 'json', 'Any other properties, as a JSON object.'),
    col('batch_id', 'int', 'Import batch that stored the row.'),
  ],
};

export const USERS: Table = {
  name: 'users',
  description: 'Accounts with their declared attributes; every attribute may be missing.',
  key: ['user_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('user_id', 'id', 'Account id.', { required: true }),
    col('gender', { enum: 'gender' }, 'Declared gender: female or male.'),
    col('birth_date', 'date', 'Declared birthday.'),
    col('city', 'text', 'Declared city.'),
    col('occupation', 'text', 'Declared occupation.'),
    col('income', 'text', 'Declared monthly income band (low, middle, high).'),
    col('education', 'text', 'Declared education level.'),
    col('marital_status', 'text', 'Declared marital status (single, married).'),
    col('children', 'int', 'Declared number of children.'),
    col('phone', 'hash', 'Phone number, salted hash.', { personal: true }),
    col('registered_at', 'timestamp', 'When the account was created.'),
    col('member_level', 'int', 'Membership level.'),
    col('points', 'int', 'Points balance as supplied by the source.'),
  ],
};

export const ITEMS: Table = {
  name: 'items',
  description: 'Goods on sale.',
  key: ['item_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('item_id', 'id', 'Item id.', { required: true }),
    col('category_id', 'id', 'Leaf category.'),
    col('brand', 'text', 'Brand name.'),
    col('price', 'money', 'List price in yuan.'),
    col('consumable', 'bool', 'Bought again on a cycle (tissues, make-up, milk powder).'),
    col('limited', 'bool', 'A limited release (the kind scalpers buy).'),
    col('released_at', 'timestamp', 'When a limited item went on sale.'),
    col('title', 'text', 'Display title.'),
  ],
};

export const CATEGORIES: Table = {
  name: 'categories',
  description: 'The category tree: each category names its parent (null at the root).',
  key: ['category_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('category_id', 'id', 'Category id.', { required: true }),
    col('parent_id', 'id', 'Parent category; null for a top-level category.'),
    col('name', 'text', 'Display name.'),
    col('level', 'int', 'Depth in the tree, 1 for top level.'),
  ],
};

export const ORDERS: Table = {
  name: 'orders',
  description: 'Order lines: one row per item in an order.',
  key: ['order_id', 'item_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('order_id', 'id', 'Order id.', { required: true }),
    col('user_id', 'id', 'Buyer.', { required: true }),
    col('item_id', 'id', 'Item bought.', { required: true }),
    col('ts', 'timestamp', 'When the order was paid.', { required: true }),
    col('quantity', 'int', 'Units.'),
    col('amount', 'money', 'Amount paid for the line, in yuan, after discounts.'),
    col('coupon_id', 'text', 'Coupon used, if any.'),
    col('address', 'hash', 'Delivery address, salted hash.', { personal: true }),
    col('device_id', 'hash', 'Device that placed the order, salted hash.', { personal: true }),
    col('status', 'text', 'paid, shipped, delivered, refunded.'),
  ],
};

export const REVIEWS: Table = {
  name: 'reviews',
  description: 'Reviews after delivery, with dimension scores and media kind.',
  key: ['review_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('review_id', 'id', 'Review id.', { required: true }),
    col('user_id', 'id', 'Reviewer.', { required: true }),
    col('item_id', 'id', 'Item reviewed.', { required: true }),
    col('order_id', 'id', 'Order reviewed.'),
    col('ts', 'timestamp', 'When it was written.', { required: true }),
    col('product_score', 'int', 'Product score, 1-5.'),
    col('service_score', 'int', 'Shop service score, 1-5.'),
    col('logistics_score', 'int', 'Logistics score, 1-5.'),
    col('media', { enum: 'review_media' }, 'text, image or video.'),
    col('text_length', 'int', 'Characters of text.'),
  ],
};

export const CONTENT: Table = {
  name: 'content',
  description: 'Content pieces: graphic posts (种草), short videos and live-stream pages.',
  key: ['content_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('content_id', 'id', 'Content id.', { required: true }),
    col('creator_id', 'id', 'Creator (a user id).', { required: true }),
    col('kind', { enum: 'content_kind' }, 'graphic, short_video or live.', { required: true }),
    col('category_id', 'id', 'Category of the goods it features.'),
    col('item_id', 'id', 'Item it links to, if any.'),
    col('published_at', 'timestamp', 'Publication time.'),
    col('tags', 'text', 'Comma-separated content tags.'),
  ],
};

export const CREATORS: Table = {
  name: 'creators',
  description: 'Creators (达人) and KOLs.',
  key: ['creator_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('creator_id', 'id', 'The creator\'s user id.', { required: true }),
    col('name', 'text', 'Display name.'),
    col('tier', 'text', 'Declared tier: kol, koc or regular.'),
    col('since', 'timestamp', 'When they started publishing.'),
  ],
};

export const LIVE_STREAMS: Table = {
  name: 'live_streams',
  description: 'Live-stream sessions.',
  key: ['live_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('live_id', 'id', 'Live stream id.', { required: true }),
    col('creator_id', 'id', 'Host (a user id).', { required: true }),
    col('started_at', 'timestamp', 'Start.', { required: true }),
    col('ended_at', 'timestamp', 'End.'),
    col('category_id', 'id', 'Main category of the goods shown.'),
    col('title', 'text', 'Title.'),
  ],
};

export const SOCIAL_EDGES: Table = {
  name: 'social_edges',
  description: 'Social edges: friendship, invitation, follow and share, from src to dst.',
  key: ['src_user_id', 'dst_user_id', 'kind', 'ts'],
  onDuplicate: 'skip',
  importable: true,
  columns: [
    col('src_user_id', 'id', 'Who invited, shared, followed or befriended.', { required: true }),
    col('dst_user_id', 'id', 'Who was invited, shared with, followed or befriended.', { required: true }),
    col('kind', { enum: 'social_edge_kind' }, 'friend, invite, follow or share.', { required: true }),
    col('ts', 'timestamp', 'When the edge appeared.', { required: true }),
    col('campaign_id', 'text', 'Campaign, share or invite code it belongs to.'),
    col('content_id', 'id', 'Content shared, if any.'),
    col('item_id', 'id', 'Item shared, if any.'),
  ],
};

export const DEVICES: Table = {
  name: 'devices',
  description: 'Devices, known by their salted-hash id.',
  key: ['device_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('device_id', 'hash', 'Device id (IMEI, IDFA), salted hash.', { required: true, personal: true }),
    col('model', 'text', 'Device model.'),
    col('os', 'text', 'Operating system.'),
    col('price', 'money', 'Device price in yuan (for the device price tier).'),
    col('emulator', 'bool', 'Reported as an emulator by the client.'),
  ],
};

export const IDENTITY_LINKS: Table = {
  name: 'identity_links',
  description: 'Device <-> account links made by logins: one person, many ids.',
  key: ['device_id', 'user_id'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('device_id', 'hash', 'Device id, salted hash.', { required: true, personal: true }),
    col('user_id', 'id', 'Account.', { required: true }),
    col('first_seen', 'timestamp', 'First login linking them.'),
    col('last_seen', 'timestamp', 'Latest login linking them.'),
  ],
};

export const CONSENTS: Table = {
  name: 'consents',
  description: 'Per-user consent by purpose; a user with allowed = false for targeting is never in an exported audience.',
  key: ['user_id', 'purpose'],
  onDuplicate: 'replace',
  importable: true,
  columns: [
    col('user_id', 'id', 'Account.', { required: true }),
    col('purpose', { enum: 'consent_purpose' }, 'targeting or personalisation.', { required: true }),
    col('allowed', 'bool', 'Whether the user allows it.', { required: true }),
    col('updated_at', 'timestamp', 'When the choice was made.'),
  ],
};

/** Tables that record imports and their problems. */
export const IMPORTS: Table = {
  name: 'imports',
  description: 'One row per import run that stored data.',
  key: ['batch_id'],
  onDuplicate: 'replace',
  importable: false,
  columns: [
    col('batch_id', 'int', 'Import batch id.'),
    col('entity', 'text', 'Entity imported (events for Taobao files).'),
    col('format', 'text', 'taobao, csv, jsonl or parquet.'),
    col('files', 'text', 'Files read, comma-separated.'),
    col('started_at', 'timestamp', 'Wall-clock start.'),
    col('finished_at', 'timestamp', 'Wall-clock end.'),
    col('rows_read', 'int', 'Data rows read.'),
    col('rows_imported', 'int', 'Rows stored.'),
    col('rows_duplicate', 'int', 'Rows already stored (skipped or replaced).'),
    col('rows_quarantined', 'int', 'Rows sent to quarantine.'),
  ],
};

export const QUARANTINE: Table = {
  name: 'quarantine',
  description: 'Rows an import rejected, with where they came from and why.',
  key: ['batch_id', 'file', 'line'],
  onDuplicate: 'replace',
  importable: false,
  columns: [
    col('batch_id', 'int', 'Import batch.'),
    col('entity', 'text', 'Entity being imported.'),
    col('file', 'text', 'Source file.'),
    col('line', 'int', 'Line number in the file (1 = first line).'),
    col('raw', 'text', 'The raw line.'),
    col('reason', 'text', 'Why it was rejected.'),
  ],
};

export const QUALITY_NOTES: Table = {
  name: 'quality_notes',
  description: 'Data-quality observations an import made about rows it kept.',
  key: ['batch_id', 'code'],
  onDuplicate: 'replace',
  importable: false,
  columns: [
    col('batch_id', 'int', 'Import batch.'),
    col('code', 'text', 'Kind of note, e.g. outside_main_window.'),
    col('count', 'int', 'Rows concerned.'),
    col('detail', 'text', 'Readable explanation.'),
  ],
};

export const ENTITY_TABLES: readonly Table[] = [
  EVENTS,
  USERS,
  ITEMS,
  CATEGORIES,
  ORDERS,
  REVIEWS,
  CONTENT,
  CREATORS,
  LIVE_STREAMS,
  SOCIAL_EDGES,
  DEVICES,
  IDENTITY_LINKS,
  CONSENTS,
];
export const META_TABLES: readonly Table[] = [IMPORTS, QUARANTINE, QUALITY_NOTES];
export const ALL_TABLES: readonly Table[] = [...ENTITY_TABLES, ...META_TABLES];

export function findEntity(name: string): Table | undefined {
  return ENTITY_TABLES.find((t) => t.name === name);
}

export function columnOf(table: Table, name: string): Column {
  const c = table.columns.find((x) => x.name === name);
  if (!c) throw new Error(`table ${table.name} has no column ${name}`);
  return c;
}
