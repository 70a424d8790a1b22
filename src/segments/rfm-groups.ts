/** The eight classic RFM groups (a module of its own so the condition compiler can name them too). */

/** The eight groups by (R high, F high, M high), with their Chinese names. */
export const RFM_GROUPS: { r: boolean; f: boolean; m: boolean; en: string; zh: string }[] = [
  { r: true, f: true, m: true, en: 'important value', zh: '重要价值' },
  { r: true, f: false, m: true, en: 'important development', zh: '重要发展' },
  { r: false, f: true, m: true, en: 'important retention', zh: '重要保持' },
  { r: false, f: false, m: true, en: 'important win-back', zh: '重要挽留' },
  { r: true, f: true, m: false, en: 'general value', zh: '一般价值' },
  { r: true, f: false, m: false, en: 'general development', zh: '一般发展' },
  { r: false, f: true, m: false, en: 'general retention', zh: '一般保持' },
  { r: false, f: false, m: false, en: 'general win-back', zh: '一般挽留' },
];

/** Every group name, English and Chinese, to the English name stored in the rfm_group tag. */
export const RFM_GROUP_NAMES: ReadonlyMap<string, string> = new Map(RFM_GROUPS.flatMap((g) => [[g.en, g.en], [g.zh, g.en]] as [string, string][]));
