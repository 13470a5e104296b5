/**
 * Every stable error code fanout produces, one catalogue per layer. docs/errors.md has one table
 * per catalogue, labelled with its key ("Engine …:", "Scrape …:"), and test/error-codes.test.ts checks that the
 * tables and the catalogues list the same codes. A new layer adds its catalogue here and its table there.
 */
import { CLI_CODES } from './cli/exit-codes.js';
import { CLUSTER_CODES } from './cluster/errors.js';
import { COMPARE_CODES } from './compare/errors.js';
import { ENGINE_CODES } from './engine/errors.js';
import { COPY_CODES } from './jobs/copy/errors.js';
import { SCRAPE_CODES } from './jobs/scrape/errors.js';

export const CATALOGUES = {
  engine: ENGINE_CODES,
  scrape: SCRAPE_CODES,
  copy: COPY_CODES,
  compare: COMPARE_CODES,
  cli: CLI_CODES,
  cluster: CLUSTER_CODES,
} as const;

export type Layer = keyof typeof CATALOGUES;
export type FanoutErrorCode = (typeof CATALOGUES)[Layer][number];
