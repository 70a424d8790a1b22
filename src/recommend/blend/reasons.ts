/**
 * Reasons, in English and Chinese, written in SQL from a blended row's source and evidence (sources/types.ts)
 * plus two labels joined in by the blend: `item_title` (title of ev_item) and `cat_name` (name of ev_cat).
 * Only the stored top N rows are written, so the cost is per recommendation, not per candidate.
 *
 * | source | English | 中文 |
 * |---|---|---|
 * | replenishment | you buy this about every 60 days; due in 4 days (due today, overdue by 2 days) | 你大约每60天买一次；4天后该补货了 (今天该补货了, 已超期2天) |
 * | itemcf | because you viewed Lipstick 12 (item 12 without a title) | 因为你看过Lipstick 12 (商品12) |
 * | usercf | 7 shoppers like you viewed or bought this | 7位和你相似的用户看过或买过 |
 * | social | 6 of your 10 friends bought this (your friend bought this) | 你的10位好友中有6位买过 (你的好友买过) |
 * | content | matches your interest in category 11 and Acme, in your price range | 符合你对类目11和Acme的兴趣，价位合适 |
 * | popular | popular with women aged 25-34 (popular right now) | 25-34岁女性用户中的热门 (当下热门) |
 */

const int = (col: string) => `CAST(CAST(${col} AS BIGINT) AS VARCHAR)`;
const days = (col: string) => `${int(col)} || CASE WHEN abs(${col}) = 1 THEN ' day' ELSE ' days' END`;

export function reasonSqlEn(): string {
  return `CASE source
    WHEN 'replenishment' THEN 'you buy this about every ' || ${days('ev_n')} || '; ' ||
      CASE WHEN ev_m > 0 THEN 'due in ' || ${days('ev_m')} WHEN ev_m = 0 THEN 'due today' ELSE 'overdue by ' || ${days('(-ev_m)')} END
    WHEN 'itemcf' THEN 'because you viewed ' || coalesce(item_title, 'item ' || CAST(ev_item AS VARCHAR))
    WHEN 'usercf' THEN CASE WHEN ev_n = 1 THEN 'a shopper like you viewed or bought this' ELSE ${int('ev_n')} || ' shoppers like you viewed or bought this' END
    WHEN 'social' THEN CASE WHEN ev_m = 1 THEN 'your friend bought this' ELSE ${int('ev_n')} || ' of your ' || ${int('ev_m')} || ' friends bought this' END
    WHEN 'content' THEN 'matches your interest in ' || coalesce(cat_name, 'category ' || CAST(ev_cat AS VARCHAR))
      || coalesce(' and ' || ev_text2, '') || CASE WHEN ev_m = 1 THEN ', in your price range' ELSE '' END
    WHEN 'popular' THEN CASE WHEN ev_text IS NULL AND ev_text2 IS NULL THEN 'popular right now'
      ELSE 'popular with ' || CASE ev_text WHEN 'female' THEN 'women' WHEN 'male' THEN 'men' ELSE 'shoppers' END
        || coalesce(' aged ' || ev_text2, '') END
  END`;
}

export function reasonSqlZh(): string {
  return `CASE source
    WHEN 'replenishment' THEN '你大约每' || ${int('ev_n')} || '天买一次；' ||
      CASE WHEN ev_m > 0 THEN ${int('ev_m')} || '天后该补货了' WHEN ev_m = 0 THEN '今天该补货了' ELSE '已超期' || ${int('(-ev_m)')} || '天' END
    WHEN 'itemcf' THEN '因为你看过' || coalesce(item_title, '商品' || CAST(ev_item AS VARCHAR))
    WHEN 'usercf' THEN ${int('ev_n')} || '位和你相似的用户看过或买过'
    WHEN 'social' THEN CASE WHEN ev_m = 1 THEN '你的好友买过' ELSE '你的' || ${int('ev_m')} || '位好友中有' || ${int('ev_n')} || '位买过' END
    WHEN 'content' THEN '符合你对' || coalesce(cat_name, '类目' || CAST(ev_cat AS VARCHAR)) || coalesce('和' || ev_text2, '') || '的兴趣'
      || CASE WHEN ev_m = 1 THEN '，价位合适' ELSE '' END
    WHEN 'popular' THEN CASE WHEN ev_text IS NULL AND ev_text2 IS NULL THEN '当下热门'
      ELSE coalesce(ev_text2 || '岁', '') || CASE ev_text WHEN 'female' THEN '女性' WHEN 'male' THEN '男性' ELSE '' END || '用户中的热门' END
  END`;
}
