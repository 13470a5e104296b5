import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteServer, type SiteServer } from '../../../fixtures/site-server.js';
import { charsetParam, decodeBody, metaCharset, sniffEncoding, META_SCAN_BYTES } from '../../../src/jobs/scrape/charset.js';
import { extract } from '../../../src/jobs/scrape/extract.js';
import { fetchPage } from '../../../src/jobs/scrape/fetch.js';

let site: SiteServer;
let agent: Agent;
beforeAll(async () => {
  site = await startSiteServer();
  agent = new Agent();
});
afterAll(async () => {
  await agent.close();
  await site.close();
});

async function titleOf(path: string): Promise<{ title: string | null; description: string | null }> {
  const res = await fetchPage(`${site.url}${path}`, { timeoutMs: 5000, idleTimeoutMs: 5000, maxRedirects: 0, maxBytes: 1 << 20, headers: {} }, agent);
  const { title, description } = extract(decodeBody(res.body!, res.contentType), res.finalUrl!, { selectors: [], links: false });
  return { title, description };
}

describe('charset detection on real answers', () => {
  it("decodes a Latin-1 page's title from the Content-Type charset", async () => {
    expect(await titleOf('/latin1')).toEqual({ title: 'Crème brûlée à la française', description: 'Déjà vu, señor' });
  });

  it('decodes a page whose charset is only in <meta charset>, with windows-1252 characters', async () => {
    expect((await titleOf('/meta-charset')).title).toBe('Prix: 5 € — Crème');
  });

  it('decodes a page whose charset is only in <meta http-equiv>', async () => {
    expect((await titleOf('/http-equiv')).title).toBe('Garçon');
  });

  it('lets a UTF-8 BOM win over a Content-Type that claims ISO-8859-1', async () => {
    expect((await titleOf('/bom')).title).toBe('Zürich ✓');
  });

  it('decodes a UTF-16LE page marked by its BOM', async () => {
    expect((await titleOf('/utf16')).title).toBe('Ελληνικά');
  });
});

describe('charset rules', () => {
  it('reads the charset parameter, quoted or not', () => {
    expect(charsetParam('text/html; charset=ISO-8859-1')).toBe('ISO-8859-1');
    expect(charsetParam('text/html;charset="utf-8"')).toBe('utf-8');
    expect(charsetParam('text/html')).toBeNull();
    expect(charsetParam(null)).toBeNull();
  });

  it('maps ISO-8859-1 to windows-1252, as browsers do, so curly quotes and € survive', () => {
    const bytes = Buffer.from([0x93, 0x41, 0x94, 0x20, 0x80, 0xe9]);
    expect(decodeBody(bytes, 'text/html; charset=iso-8859-1')).toBe('\u201cA\u201d \u20acé');
  });

  it('falls back to <meta> when the header names an unknown charset, then to UTF-8', () => {
    const page = Buffer.from('<meta charset="windows-1251"><title>\xcf\xf0\xe8\xe2\xe5\xf2</title>', 'latin1');
    expect(sniffEncoding(page, 'text/html; charset=bogus-9')).toMatchObject({ encoding: 'windows-1251', source: 'meta' });
    expect(decodeBody(page, 'text/html; charset=bogus-9')).toContain('Привет');
    expect(sniffEncoding(Buffer.from('<p>hi'), 'text/html; charset=bogus-9')).toMatchObject({ encoding: 'utf-8', source: 'default' });
  });

  it('treats a <meta> that claims UTF-16 as UTF-8', () => {
    expect(sniffEncoding(Buffer.from('<meta charset="utf-16">'), null).encoding).toBe('utf-8');
  });

  it(`ignores a <meta charset> beyond the first ${META_SCAN_BYTES} bytes`, () => {
    const late = Buffer.from(`<p>${'x'.repeat(META_SCAN_BYTES)}</p><meta charset="windows-1252">`);
    expect(metaCharset(late)).toBeNull();
    expect(metaCharset(Buffer.from('<META HTTP-EQUIV="Content-Type" CONTENT="text/html; Charset=Shift_JIS">'))).toBe('Shift_JIS');
  });

  it('strips the BOM from the decoded text', () => {
    expect(decodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), null)).toBe('A');
    expect(decodeBody(Buffer.from([0xfe, 0xff, 0x00, 0x41]), null)).toBe('A');
  });
});
