import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/jobs/scrape/fetch-errors.js';

const withCode = (message: string, code: string, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });

describe('classifyError', () => {
  it('says a connect timeout is one, with the host and the limit that ran out', () => {
    const err = new errors.ConnectTimeoutError('Connect Timeout Error (attempted address: 10.0.0.1:80, timeout: 10000ms)');
    expect(classifyError(err, { host: 'example.test', connectTimeoutMs: 10_000 })).toEqual({
      code: 'TIMEOUT',
      message: 'could not connect to example.test within 10000 ms (--connect-timeout)',
    });
  });

  it('names an expired or untrusted certificate in words, keeping its code', () => {
    expect(classifyError(withCode('certificate has expired', 'CERT_HAS_EXPIRED'), { host: 'old.example' })).toEqual({
      code: 'TLS',
      message: 'the TLS certificate of old.example has expired (CERT_HAS_EXPIRED)',
    });
    expect(classifyError(withCode('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), { host: 'a.example' }).message).toMatch(
      /^the TLS certificate of a\.example is issued by an authority that is not trusted/,
    );
  });

  it('keeps every message on one line, whatever OpenSSL appends', () => {
    const err = withCode('80:error:0A000410:SSL routines::sslv3 alert handshake failure:ssl/record/rec_layer_s3.c:1586:\n', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    const { code, message } = classifyError(err, { host: 'h.example' });
    expect(code).toBe('TLS');
    expect(message).toMatch(/^TLS with h\.example failed: .*handshake failure/);
    expect(message).not.toContain('\n');
  });
});
