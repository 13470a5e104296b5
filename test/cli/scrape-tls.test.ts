import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { LOCALHOST_CERT, startHttpsSite, type HttpsSite } from '../../fixtures/https-site.js';
import { startSiteServer, type SiteServer } from '../../fixtures/site-server.js';
import { parseJsonl, runCli, writeList } from '../helpers/cli.js';

let secure: HttpsSite;
let plain: SiteServer;
let dir: string;
let input: string;
beforeAll(async () => {
  [secure, plain] = await Promise.all([startHttpsSite(), startSiteServer({ hosts: 1 })]);
  dir = await mkdtemp(join(tmpdir(), 'fanout scrape tls '));
  input = await writeList(dir, 'urls.txt', [`${secure.url}/a`, `${secure.url}/b`]);
});
afterAll(async () => {
  await Promise.all([secure.close(), plain.close()]);
  await rm(dir, { recursive: true, force: true });
});

const WARNING = 'fanout: warning: --insecure: TLS certificates are not checked, so a machine between here and a server can read and change its pages\n';
const titles = (stdout: string) => parseJsonl<{ title: string | null }>(stdout).map((r) => r.title);

describe('fanout scrape over TLS', () => {
  it('fails a self-signed certificate with TLS, naming the server and what to do, in one line', async () => {
    const r = await runCli(['scrape', input, '--quiet', '--retries', '0']);
    expect(r.code).toBe(1);
    const [first] = parseJsonl<{ error: { code: string; message: string } }>(r.stdout);
    expect(first!.error).toEqual({
      code: 'TLS',
      message: `the TLS certificate of ${new URL(secure.url).host} is self-signed, not issued by a trusted authority (DEPTH_ZERO_SELF_SIGNED_CERT); to trust it, give --cacert FILE (its authority, or the certificate itself), or -k to check no certificate`,
    });
  });

  it.each([[[]], [['--threads', '2']], [['--procs', '2']]])('trusts the certificate given with --cacert, in every mode (%j)', async (mode) => {
    const r = await runCli(['scrape', input, '--quiet', '--cacert', LOCALHOST_CERT, ...mode]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(titles(r.stdout)).toEqual(['Secure /a', 'Secure /b']);
  });

  it('reads robots.txt over TLS with the same trust', async () => {
    const list = await writeList(dir, 'robots.txt.list', [`${secure.url}/public`, `${secure.url}/private/x`]);
    const r = await runCli(['scrape', list, '--quiet', '--cacert', LOCALHOST_CERT, '--respect-robots']);
    expect(r.code).toBe(1);
    expect(parseJsonl<{ ok: boolean; error: { code: string } | null }>(r.stdout).map((x) => x.error?.code ?? null)).toEqual([null, 'ROBOTS_DISALLOWED']);
  });

  it('trusts NODE_EXTRA_CA_CERTS as Node does, without --cacert', async () => {
    const r = await runCli(['scrape', input, '--quiet'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: LOCALHOST_CERT } });
    expect(r.code).toBe(0);
    expect(titles(r.stdout)).toEqual(['Secure /a', 'Secure /b']);
  });

  it('adds --cacert to the certificates Node trusts, NODE_EXTRA_CA_CERTS included, rather than replace them', async () => {
    const other = join(dir, 'another-authority.pem');
    await writeFile(other, rootCertificates[0]!); // any authority but the site's
    const r = await runCli(['scrape', input, '--quiet', '--cacert', other], { env: { ...process.env, NODE_EXTRA_CA_CERTS: LOCALHOST_CERT } });
    expect(r.code).toBe(0);
    expect(titles(r.stdout)).toEqual(['Secure /a', 'Secure /b']);
  });

  it('accepts any certificate with -k, saying so in one line on stderr (even with --quiet)', async () => {
    for (const flag of ['-k', '--insecure']) {
      const r = await runCli(['scrape', input, '--quiet', flag]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(WARNING);
      expect(titles(r.stdout)).toEqual(['Secure /a', 'Secure /b']);
    }
  });

  it('says that an https:// URL reached a plain HTTP server', async () => {
    const list = await writeList(dir, 'plain.txt', [`${plain.url.replace('http:', 'https:')}/page/p`]);
    const r = await runCli(['scrape', list, '--quiet', '--retries', '0']);
    expect(r.code).toBe(1);
    expect(parseJsonl<{ error: { code: string; message: string } }>(r.stdout)[0]!.error).toEqual({
      code: 'TLS',
      message: `TLS handshake failed: the server at ${new URL(plain.url).host} does not speak TLS (plain HTTP? try http://)`,
    });
  });

  it('refuses a --cacert file that is missing or holds no certificate, with one line and exit 2', async () => {
    const requests = secure.paths.length;
    const notCert = join(dir, 'not-a-cert.pem');
    await writeFile(notCert, 'hello\n');
    const missing = await runCli(['scrape', input, '--cacert', join(dir, 'none.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`fanout: --cacert ${join(dir, 'none.pem')}: cannot read it: no such file or directory (see 'fanout scrape --help')\n`);
    const bad = await runCli(['scrape', input, '--cacert', notCert]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`^fanout: --cacert ${notCert.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a certificate in PEM or DER form \\(.*\\) \\(see 'fanout scrape --help'\\)\\n$`));
    expect(secure.paths.length).toBe(requests);
  });
});
