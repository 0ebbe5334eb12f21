import { describe, expect, it } from 'vitest';
import { findAll, parseXml } from './testing.ts';

// The XML reader backs the JUnit tests, so it must itself reject what real parsers reject.
describe('parseXml (test support)', () => {
  it('reads elements, attributes, entities and text', () => {
    const doc = parseXml('<?xml version="1.0"?>\n<a x="1 &amp; &#10;2"><b>t&lt;&apos;</b><b/></a>\n');
    expect(doc.attrs.x).toBe('1 & \n2');
    expect(findAll(doc, 'b').map((b) => b.text)).toEqual(["t<'", '']);
  });

  it.each([
    ['<a><b></a></b>', 'mismatched'],
    ['<a><b></b>', 'unclosed'],
    ['<a>x & y</a>', 'bare &'],
    ['<a x="1"">', 'junk'],
    ['<a x=1/>', 'unquoted'],
    ['<a x="<"/>', 'raw <'],
    ['<a/><b/>', 'two roots'],
    ['<a>\u0001</a>', 'control'],
    ['<a x="1" x="2"/>', 'duplicate'],
    ['<a>&nbsp;</a>', 'unknown entity'],
  ])('rejects %s (%s)', (xml) => {
    expect(() => parseXml(xml)).toThrow(/invalid XML/);
  });
});
