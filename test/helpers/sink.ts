import { Writable } from 'node:stream';

/** A writable that keeps what was written and calls `onText` with everything so far after each write. */
export function sink(onText: (all: string) => void = () => {}): Writable & { text: string } {
  const s = new Writable({
    write(chunk, _enc, done) {
      s.text += String(chunk);
      onText(s.text);
      done();
    },
  }) as Writable & { text: string };
  s.text = '';
  return s;
}
