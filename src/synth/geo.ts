/**
 * Where users live and work: Chinese cities by tier, each cut into a grid of neighbourhood cells with
 * their geohash. Homes spread over the whole grid; workplaces crowd into the central cells, so home and
 * work places differ and can be told apart by time of day.
 */

/** Tier: 1 一线, 2 新一线, 3 二线, 4 三线, 5 四线及以下. Weight: share of users, roughly by online population. */
export const CITIES: readonly { name: string; tier: number; lat: number; lon: number; weight: number }[] = [
  { name: 'Beijing', tier: 1, lat: 39.9042, lon: 116.4074, weight: 4.5 },
  { name: 'Shanghai', tier: 1, lat: 31.2304, lon: 121.4737, weight: 4.5 },
  { name: 'Guangzhou', tier: 1, lat: 23.1291, lon: 113.2644, weight: 3.5 },
  { name: 'Shenzhen', tier: 1, lat: 22.5431, lon: 114.0579, weight: 3.5 },
  { name: 'Chengdu', tier: 2, lat: 30.5728, lon: 104.0668, weight: 2.5 },
  { name: 'Hangzhou', tier: 2, lat: 30.2741, lon: 120.1551, weight: 2.5 },
  { name: 'Chongqing', tier: 2, lat: 29.563, lon: 106.5516, weight: 2.5 },
  { name: 'Wuhan', tier: 2, lat: 30.5928, lon: 114.3055, weight: 2.2 },
  { name: "Xi'an", tier: 2, lat: 34.3416, lon: 108.9398, weight: 2 },
  { name: 'Suzhou', tier: 2, lat: 31.2989, lon: 120.5853, weight: 2 },
  { name: 'Tianjin', tier: 2, lat: 39.3434, lon: 117.3616, weight: 2 },
  { name: 'Nanjing', tier: 2, lat: 32.0603, lon: 118.7969, weight: 2 },
  { name: 'Changsha', tier: 2, lat: 28.2282, lon: 112.9388, weight: 1.8 },
  { name: 'Zhengzhou', tier: 2, lat: 34.7466, lon: 113.6254, weight: 1.8 },
  { name: 'Dongguan', tier: 2, lat: 23.0207, lon: 113.7518, weight: 1.6 },
  { name: 'Qingdao', tier: 2, lat: 36.0671, lon: 120.3826, weight: 1.6 },
  { name: 'Shenyang', tier: 2, lat: 41.8057, lon: 123.4315, weight: 1.5 },
  { name: 'Ningbo', tier: 2, lat: 29.8683, lon: 121.544, weight: 1.5 },
  { name: 'Kunming', tier: 2, lat: 25.0389, lon: 102.7183, weight: 1.4 },
  { name: 'Hefei', tier: 3, lat: 31.8206, lon: 117.2272, weight: 1.3 },
  { name: 'Foshan', tier: 3, lat: 23.0215, lon: 113.1214, weight: 1.3 },
  { name: 'Fuzhou', tier: 3, lat: 26.0745, lon: 119.2965, weight: 1.2 },
  { name: 'Wuxi', tier: 3, lat: 31.4912, lon: 120.3119, weight: 1.2 },
  { name: 'Xiamen', tier: 3, lat: 24.4798, lon: 118.0894, weight: 1.1 },
  { name: 'Harbin', tier: 3, lat: 45.8038, lon: 126.535, weight: 1.1 },
  { name: 'Jinan', tier: 3, lat: 36.6512, lon: 117.1201, weight: 1.1 },
  { name: 'Dalian', tier: 3, lat: 38.914, lon: 121.6147, weight: 1 },
  { name: 'Changchun', tier: 3, lat: 43.8171, lon: 125.3235, weight: 1 },
  { name: 'Nanning', tier: 3, lat: 22.817, lon: 108.3665, weight: 1 },
  { name: 'Guiyang', tier: 3, lat: 26.647, lon: 106.6302, weight: 0.9 },
  { name: 'Shijiazhuang', tier: 3, lat: 38.0428, lon: 114.5149, weight: 0.9 },
  { name: 'Nanchang', tier: 3, lat: 28.682, lon: 115.8579, weight: 0.9 },
  { name: 'Taiyuan', tier: 3, lat: 37.8706, lon: 112.5489, weight: 0.8 },
  { name: 'Wenzhou', tier: 4, lat: 27.9938, lon: 120.6994, weight: 0.9 },
  { name: 'Zhuhai', tier: 4, lat: 22.271, lon: 113.5767, weight: 0.7 },
  { name: 'Lanzhou', tier: 4, lat: 36.0611, lon: 103.8343, weight: 0.7 },
  { name: 'Haikou', tier: 4, lat: 20.044, lon: 110.1999, weight: 0.6 },
  { name: 'Yangzhou', tier: 4, lat: 32.3942, lon: 119.4129, weight: 0.6 },
  { name: 'Luoyang', tier: 4, lat: 34.6197, lon: 112.454, weight: 0.6 },
  { name: 'Baoding', tier: 4, lat: 38.874, lon: 115.4646, weight: 0.6 },
  { name: 'Ganzhou', tier: 5, lat: 25.831, lon: 114.935, weight: 0.8 },
  { name: 'Zhanjiang', tier: 5, lat: 21.2707, lon: 110.3594, weight: 0.7 },
  { name: 'Yichang', tier: 5, lat: 30.692, lon: 111.2865, weight: 0.7 },
  { name: 'Mianyang', tier: 5, lat: 31.4675, lon: 104.6796, weight: 0.7 },
  { name: 'Tongren', tier: 5, lat: 27.7183, lon: 109.1896, weight: 0.6 },
  { name: 'Zhangye', tier: 5, lat: 38.9259, lon: 100.4498, weight: 0.5 },
  { name: 'Hechi', tier: 5, lat: 24.6929, lon: 108.0854, weight: 0.5 },
  { name: 'Shangluo', tier: 5, lat: 33.8704, lon: 109.9404, weight: 0.5 },
];

/** The grid is GRID x GRID cells over about 25 km; the central (GRID/2)^2 cells hold the workplaces. */
export const GRID = 8;
const SPAN_DEG = 0.24;

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

export function geohash(lat: number, lon: number, precision = 7): string {
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let out = '';
  let bits = 0;
  let ch = 0;
  let even = true;
  while (out.length < precision) {
    if (even) {
      const mid = (lonLo + lonHi) / 2;
      if (lon >= mid) {
        ch = (ch << 1) | 1;
        lonLo = mid;
      } else {
        ch <<= 1;
        lonHi = mid;
      }
    } else {
      const mid = (latLo + latHi) / 2;
      if (lat >= mid) {
        ch = (ch << 1) | 1;
        latLo = mid;
      } else {
        ch <<= 1;
        latHi = mid;
      }
    }
    even = !even;
    if (++bits === 5) {
      out += BASE32[ch];
      bits = 0;
      ch = 0;
    }
  }
  return out;
}

/** Rows (city_id, cell, geohash): city ids are 1-based positions in CITIES. */
export function placeRows(): { city_id: number; cell: number; geohash: string }[] {
  const rows: { city_id: number; cell: number; geohash: string }[] = [];
  CITIES.forEach((c, i) => {
    for (let cell = 0; cell < GRID * GRID; cell++) {
      const row = Math.floor(cell / GRID);
      const col = cell % GRID;
      const lat = c.lat - SPAN_DEG / 2 + ((row + 0.5) * SPAN_DEG) / GRID;
      const lon = c.lon - SPAN_DEG / 2 + ((col + 0.5) * SPAN_DEG) / GRID;
      rows.push({ city_id: i + 1, cell, geohash: geohash(lat, lon, 7) });
    }
  });
  return rows;
}

export function cityRows(): { city_id: number; name: string; tier: number; weight: number }[] {
  return CITIES.map((c, i) => ({ city_id: i + 1, name: c.name, tier: c.tier, weight: c.weight }));
}
