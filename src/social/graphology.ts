/**
 * graphology and its algorithm packages are CommonJS with `export default` typings, which TypeScript's
 * node16 resolution reads as the whole module object. This module imports them once and hands out the
 * callable values with their declared types, so the rest of the code imports plain functions from here.
 */
import { createRequire } from 'node:module';
type PagerankType = typeof import('graphology-metrics/centrality/pagerank.js')['default'];
type LouvainType = typeof import('graphology-communities-louvain')['default'];

export { DirectedGraph, UndirectedGraph, MultiDirectedGraph } from 'graphology';
export type { default as AbstractGraph } from 'graphology';

const require = createRequire(import.meta.url);

/** PageRank: score per node key (graphology-metrics). */
export const pagerank = require('graphology-metrics/centrality/pagerank') as PagerankType;
/** Louvain communities: community index per node key (graphology-communities-louvain). */
export const louvain = require('graphology-communities-louvain') as LouvainType;
