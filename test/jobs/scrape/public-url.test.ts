import { describe, expect, it } from 'vitest';
import { publicUrl } from '../../../src/jobs/scrape/public-url.js';

describe('publicUrl', () => {
  it('cuts the userinfo and keeps the rest of the text as given', () => {
    expect(publicUrl('HTTP://Ann:pw@Example.COM:8080/a/../b?q=1#f')).toBe('HTTP://Example.COM:8080/a/../b?q=1#f');
    expect(publicUrl('https://user@host/')).toBe('https://host/');
    expect(publicUrl('http://a:b@c@host/x@y')).toBe('http://host/x@y'); // the last @ of the authority ends the userinfo
    expect(publicUrl('http://host/path@x?y=a@b')).toBe('http://host/path@x?y=a@b');
  });

  it('cuts what the URL parser would read as userinfo even where the text hides it', () => {
    for (const url of ['http:ann:pw@host/', 'http:/ann:pw@host/', 'http:\\\\ann:pw@host/', 'http://ann:p\tw@host/', '  http://ann:pw@host/']) {
      const cut = publicUrl(url);
      expect(cut, url).not.toContain('pw');
      expect(new URL(cut).host, url).toBe('host');
    }
  });

  it('cuts it from a line that is not a valid URL, and leaves other schemes\' addresses alone', () => {
    expect(publicUrl('http://ann:pw@[bad/x')).toBe('http://[bad/x');
    expect(publicUrl('mailto:ann@example.com')).toBe('mailto:ann@example.com');
    expect(publicUrl('no url here @ all')).toBe('no url here @ all');
  });
});
