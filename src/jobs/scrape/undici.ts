/**
 * The parts of undici the scrape job uses, loaded by themselves. undici's index loads all of it, fetch, WebSocket
 * and cookies included, and those pull in Node's own copy of undici as well: about two thirds of a one-URL
 * scrape's start-up (docs/benchmarks.md). The dispatchers and the request API are what the job needs; the API is
 * put on Dispatcher's prototype as undici's index does (the same functions, so loading the index too changes
 * nothing). A test (test/jobs/scrape/undici.test.ts) checks that these are the index's own classes.
 */
import type * as Undici from 'undici';
// @ts-expect-error undici's files have no types of their own: they are the classes its index exports
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
// @ts-expect-error as above
import api from 'undici/lib/api/index.js';
// @ts-expect-error as above
import AgentClass from 'undici/lib/dispatcher/agent.js';
// @ts-expect-error as above
import EnvHttpProxyAgentClass from 'undici/lib/dispatcher/env-http-proxy-agent.js';

Object.assign((DispatcherClass as { prototype: object }).prototype, api);

export const Agent = AgentClass as typeof Undici.Agent;
export const EnvHttpProxyAgent = EnvHttpProxyAgentClass as typeof Undici.EnvHttpProxyAgent;
export type Dispatcher = Undici.Dispatcher;
