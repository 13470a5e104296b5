/**
 * Every stable error code fanout produces, one catalogue per layer. README.md's "Error codes" section has one table
 * per catalogue, labelled with its key ("Engine …:", "Scrape …:"), and test/error-codes.test.ts checks that the
 * tables and the catalogues list the same codes. A new layer adds its catalogue here and its table there.
 */
import { CLI_CODES } from './cli/exit-codes.js';
import { CLUSTER_CODES } from './cluster/errors.js';
import { COMPARE_CODES } from './compare/errors.js';
import { ENGINE_CODES } from './engine/errors.js';
import * as copyErrors from './jobs/copy/errors.js';
import { SCRAPE_CODES } from './jobs/scrape/errors.js';

/** The copy job's catalogue, COPY_CODES, comes with its restructuring (issue 11, item 1); its older list until then. */
const COPY_CODES = (copyErrors as unknown as { COPY_CODES?: readonly copyErrors.CopyErrorCode[] }).COPY_CODES;
export const COPY_CATALOGUE_PENDING = COPY_CODES === undefined;

export const CATALOGUES = {
  engine: ENGINE_CODES,
  scrape: SCRAPE_CODES,
  copy: COPY_CODES ?? (copyErrors as unknown as { COPY_ERROR_CODES: readonly copyErrors.CopyErrorCode[] }).COPY_ERROR_CODES,
  compare: COMPARE_CODES,
  cli: CLI_CODES,
  cluster: CLUSTER_CODES,
} as const;

export type Layer = keyof typeof CATALOGUES;
export type FanoutErrorCode = (typeof CATALOGUES)[Layer][number];
