/**
 * The shape of the catalogue and who likes what: ten top-level categories with their second-level
 * categories (price level, consumable cycle, limited releases, natural complements), and how much each
 * gender and age band leans to each top-level category. The generators scale these into a tree of
 * leaves and items; the numbers are plausible shares, not measurements.
 */

export interface MidDef {
  name: string;
  /** Share of the top category's leaves. */
  weight: number;
  /** Median list price in yuan and the spread (sigma of its logarithm). */
  median: number;
  sigma: number;
  /** Bought again every this many days (in the default 60-day world); absent if not a consumable. */
  cycle?: number;
  /** Home of limited releases (new phones, sneakers, lipstick editions). */
  limited?: boolean;
  /** A second-level category of the same top often bought in the same order. */
  pair?: string;
}

export interface TopDef {
  key: TopKey;
  name: string;
  /** Share of all leaf categories. */
  breadth: number;
  mids: MidDef[];
}

export const TOP_KEYS = [
  'womenswear',
  'menswear',
  'makeup',
  'mother_baby',
  'food',
  'household',
  'digital',
  'sports',
  'home',
  'books',
] as const;
export type TopKey = (typeof TOP_KEYS)[number];

export const TOPS: readonly TopDef[] = [
  {
    key: 'womenswear',
    name: 'Womenswear',
    breadth: 0.14,
    mids: [
      { name: 'Dresses', weight: 3, median: 159, sigma: 0.6, pair: 'Women shoes' },
      { name: 'Tops and tees', weight: 3, median: 89, sigma: 0.6, pair: 'Skirts' },
      { name: 'Knitwear', weight: 2, median: 139, sigma: 0.6 },
      { name: 'Coats', weight: 2, median: 399, sigma: 0.7 },
      { name: 'Trousers', weight: 2, median: 129, sigma: 0.5, pair: 'Tops and tees' },
      { name: 'Skirts', weight: 2, median: 109, sigma: 0.5 },
      { name: 'Lingerie', weight: 1, median: 79, sigma: 0.5 },
      { name: 'Women shoes', weight: 2, median: 199, sigma: 0.6 },
      { name: 'Handbags', weight: 1, median: 259, sigma: 0.9 },
    ],
  },
  {
    key: 'menswear',
    name: 'Menswear',
    breadth: 0.09,
    mids: [
      { name: 'T-shirts', weight: 3, median: 79, sigma: 0.5, pair: 'Jeans' },
      { name: 'Shirts', weight: 2, median: 129, sigma: 0.5 },
      { name: 'Jackets', weight: 2, median: 329, sigma: 0.6 },
      { name: 'Jeans', weight: 2, median: 159, sigma: 0.5 },
      { name: 'Men shoes', weight: 2, median: 259, sigma: 0.6 },
      { name: 'Belts and wallets', weight: 1, median: 99, sigma: 0.7 },
    ],
  },
  {
    key: 'makeup',
    name: 'Make-up and skincare',
    breadth: 0.08,
    mids: [
      { name: 'Lipstick', weight: 2, median: 169, sigma: 0.6, limited: true, pair: 'Foundation' },
      { name: 'Foundation', weight: 2, median: 229, sigma: 0.6 },
      { name: 'Face cream', weight: 2, median: 199, sigma: 0.8, cycle: 28, pair: 'Cleanser' },
      { name: 'Facial masks', weight: 2, median: 89, sigma: 0.5, cycle: 14 },
      { name: 'Cleanser', weight: 1, median: 69, sigma: 0.5, cycle: 30 },
      { name: 'Perfume', weight: 1, median: 399, sigma: 0.6 },
    ],
  },
  {
    key: 'mother_baby',
    name: 'Mother and baby',
    breadth: 0.09,
    mids: [
      { name: 'Milk powder', weight: 2, median: 268, sigma: 0.4, cycle: 12, pair: 'Diapers' },
      { name: 'Diapers', weight: 2, median: 129, sigma: 0.4, cycle: 10, pair: 'Baby wipes' },
      { name: 'Baby wipes', weight: 1, median: 39, sigma: 0.4, cycle: 14 },
      { name: 'Baby clothes', weight: 2, median: 89, sigma: 0.5 },
      { name: 'Toys', weight: 2, median: 99, sigma: 0.8 },
      { name: 'Strollers', weight: 1, median: 699, sigma: 0.6 },
      { name: 'Maternity wear', weight: 1, median: 129, sigma: 0.5 },
    ],
  },
  {
    key: 'food',
    name: 'Food',
    breadth: 0.13,
    mids: [
      { name: 'Snacks', weight: 3, median: 35, sigma: 0.5, cycle: 9, pair: 'Coffee and tea' },
      { name: 'Instant noodles', weight: 1, median: 29, sigma: 0.4, cycle: 14 },
      { name: 'Milk and dairy', weight: 2, median: 59, sigma: 0.4, cycle: 7 },
      { name: 'Coffee and tea', weight: 2, median: 79, sigma: 0.6, cycle: 20 },
      { name: 'Fresh fruit', weight: 2, median: 49, sigma: 0.5, cycle: 8 },
      { name: 'Rice and oil', weight: 1, median: 69, sigma: 0.4, cycle: 30 },
      { name: 'Liquor', weight: 1, median: 199, sigma: 0.9 },
    ],
  },
  {
    key: 'household',
    name: 'Household and tissues',
    breadth: 0.07,
    mids: [
      { name: 'Tissues', weight: 2, median: 39, sigma: 0.3, cycle: 24, pair: 'Kitchen paper' },
      { name: 'Laundry detergent', weight: 2, median: 49, sigma: 0.4, cycle: 30 },
      { name: 'Toothpaste', weight: 1, median: 29, sigma: 0.4, cycle: 28 },
      { name: 'Shampoo', weight: 2, median: 59, sigma: 0.5, cycle: 30 },
      { name: 'Kitchen paper', weight: 1, median: 25, sigma: 0.3, cycle: 21 },
      { name: 'Trash bags', weight: 1, median: 19, sigma: 0.3, cycle: 25 },
    ],
  },
  {
    key: 'digital',
    name: 'Digital',
    breadth: 0.12,
    mids: [
      { name: 'Phones', weight: 2, median: 1999, sigma: 0.6, limited: true, pair: 'Phone cases' },
      { name: 'Phone cases', weight: 2, median: 29, sigma: 0.5 },
      { name: 'Earphones', weight: 2, median: 199, sigma: 0.9, pair: 'Chargers' },
      { name: 'Chargers', weight: 1, median: 59, sigma: 0.5 },
      { name: 'Laptops', weight: 1, median: 4999, sigma: 0.5 },
      { name: 'Tablets', weight: 1, median: 2499, sigma: 0.5 },
      { name: 'Smart watches', weight: 1, median: 799, sigma: 0.6 },
    ],
  },
  {
    key: 'sports',
    name: 'Sports and outdoors',
    breadth: 0.09,
    mids: [
      { name: 'Sneakers', weight: 3, median: 499, sigma: 0.6, limited: true, pair: 'Running wear' },
      { name: 'Running wear', weight: 2, median: 159, sigma: 0.5 },
      { name: 'Yoga', weight: 1, median: 99, sigma: 0.6 },
      { name: 'Fitness equipment', weight: 1, median: 299, sigma: 0.9 },
      { name: 'Outdoor gear', weight: 2, median: 259, sigma: 0.8 },
      { name: 'Cycling', weight: 1, median: 399, sigma: 1.0 },
    ],
  },
  {
    key: 'home',
    name: 'Home and furniture',
    breadth: 0.12,
    mids: [
      { name: 'Bedding', weight: 2, median: 199, sigma: 0.6 },
      { name: 'Furniture', weight: 2, median: 899, sigma: 0.9 },
      { name: 'Kitchenware', weight: 2, median: 89, sigma: 0.7, pair: 'Storage' },
      { name: 'Storage', weight: 1, median: 49, sigma: 0.6 },
      { name: 'Lighting', weight: 1, median: 159, sigma: 0.8 },
      { name: 'Decor', weight: 2, median: 69, sigma: 0.8 },
    ],
  },
  {
    key: 'books',
    name: 'Books',
    breadth: 0.07,
    mids: [
      { name: 'Fiction', weight: 2, median: 39, sigma: 0.4 },
      { name: 'Children books', weight: 2, median: 45, sigma: 0.5 },
      { name: 'Exam preparation', weight: 2, median: 49, sigma: 0.4 },
      { name: 'Business', weight: 1, median: 52, sigma: 0.4 },
      { name: 'Comics', weight: 1, median: 35, sigma: 0.4 },
    ],
  },
];

export const AGE_BANDS: readonly { label: string; lo: number; hi: number; share: number; married: number }[] = [
  { label: '18-24', lo: 18, hi: 24, share: 0.24, married: 0.08 },
  { label: '25-29', lo: 25, hi: 29, share: 0.22, married: 0.42 },
  { label: '30-34', lo: 30, hi: 34, share: 0.19, married: 0.72 },
  { label: '35-39', lo: 35, hi: 39, share: 0.13, married: 0.85 },
  { label: '40-49', lo: 40, hi: 49, share: 0.13, married: 0.9 },
  { label: '50+', lo: 50, hi: 65, share: 0.09, married: 0.92 },
];

type TopWeights = Record<TopKey, number>;

const BY_GENDER: Record<'female' | 'male', TopWeights> = {
  female: { womenswear: 30, menswear: 3, makeup: 22, mother_baby: 5, food: 12, household: 8, digital: 5, sports: 4, home: 7, books: 4 },
  male: { womenswear: 2, menswear: 25, makeup: 2, mother_baby: 2, food: 13, household: 5, digital: 25, sports: 15, home: 6, books: 6 },
};

/** Multipliers per age band (same order as AGE_BANDS). */
const BY_AGE: readonly Partial<TopWeights>[] = [
  { makeup: 1.3, digital: 1.3, books: 1.6, home: 0.5, household: 0.6, mother_baby: 0.5 },
  {},
  { home: 1.3, household: 1.2 },
  { home: 1.4, household: 1.3, womenswear: 0.9, sports: 0.9 },
  { home: 1.5, food: 1.3, makeup: 0.7, digital: 0.8, womenswear: 0.8 },
  { food: 1.6, home: 1.4, household: 1.4, makeup: 0.4, womenswear: 0.6, digital: 0.6, sports: 0.6, books: 0.8 },
];

/** Parents of an infant or pre-school child shop mother-and-baby goods far more (mothers most). */
const YOUNG_CHILD_MOTHER_BABY: Record<'female' | 'male', number> = { female: 35, male: 12 };

export function demographicWeights(gender: 'female' | 'male', ageBand: number, youngChild: boolean): [TopKey, number][] {
  const base = { ...BY_GENDER[gender] };
  const mult = BY_AGE[ageBand] ?? {};
  for (const k of TOP_KEYS) base[k] *= mult[k] ?? 1;
  if (youngChild) base.mother_baby = YOUNG_CHILD_MOTHER_BABY[gender];
  return TOP_KEYS.map((k) => [k, base[k]]);
}

/** Overall popularity of the top categories, for the share of interests that follow the crowd. */
export const GLOBAL_WEIGHTS: readonly [TopKey, number][] = [
  ['womenswear', 16],
  ['menswear', 9],
  ['makeup', 11],
  ['mother_baby', 6],
  ['food', 13],
  ['household', 8],
  ['digital', 14],
  ['sports', 8],
  ['home', 9],
  ['books', 6],
];

/** Taste groups draw their signature leaves from these, so a group never contradicts a user's gender. */
export const TASTE_TOPS: readonly TopKey[] = ['food', 'household', 'digital', 'sports', 'home', 'books', 'mother_baby'];

export const DEVICE_MODELS: readonly { model: string; os: string; price: number }[] = [
  { model: 'Redmi Note 4X', os: 'Android', price: 999 },
  { model: 'Meizu M6', os: 'Android', price: 799 },
  { model: 'OPPO A57', os: 'Android', price: 1399 },
  { model: 'vivo Y66', os: 'Android', price: 1498 },
  { model: 'Honor 9', os: 'Android', price: 2299 },
  { model: 'Xiaomi Mi 6', os: 'Android', price: 2499 },
  { model: 'OPPO R11', os: 'Android', price: 2999 },
  { model: 'vivo X20', os: 'Android', price: 2998 },
  { model: 'iPhone 6s', os: 'iOS', price: 3288 },
  { model: 'Huawei P10', os: 'Android', price: 3488 },
  { model: 'Huawei Mate 10', os: 'Android', price: 3899 },
  { model: 'iPhone 7', os: 'iOS', price: 4388 },
  { model: 'Samsung Galaxy S8', os: 'Android', price: 5688 },
  { model: 'iPhone 8', os: 'iOS', price: 5888 },
  { model: 'iPhone X', os: 'iOS', price: 8388 },
];

const SYLLABLES = ['an', 'bei', 'chen', 'da', 'en', 'fei', 'gu', 'hua', 'jia', 'kang', 'li', 'mei', 'na', 'ou', 'pin', 'qi', 'rui', 'sen', 'tai', 'wei', 'xin', 'ya', 'zhi', 'lan', 'mo', 'yun'];

/** Pronounceable, made-up brand names (never a real brand). */
export function brandName(i: number, j: number): string {
  const a = SYLLABLES[(i * 7 + j * 3) % SYLLABLES.length]!;
  const b = SYLLABLES[(i * 11 + j * 5 + 1) % SYLLABLES.length]!;
  const c = j % 3 === 0 ? SYLLABLES[(i + j) % SYLLABLES.length]! : '';
  const name = a + b + c;
  return name.charAt(0).toUpperCase() + name.slice(1);
}
