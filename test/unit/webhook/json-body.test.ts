import assert from 'node:assert/strict';
import { parseJsonBody } from '../../../nodes/core/webhook/json-body';

describe('JSON body parsing', () => {
  it('parses UTF-8 JSON, CJK included', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"name":"凍檸茶"}')), {
      ok: true,
      value: { name: '凍檸茶' },
    });
  });
  it('refuses bytes that are not UTF-8', () => {
    const result = parseJsonBody(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    assert.deepEqual(result, { ok: false, detail: 'the body is not valid UTF-8' });
  });
  for (const text of [
    '{"__proto__":{"polluted":true}}',
    '{"data":{"constructor":{"prototype":{"polluted":true}}}}',
    '{"a":[{"__proto__" :1}]}',
  ]) {
    it(`refuses prototype-polluting keys: ${text}`, () => {
      const result = parseJsonBody(Buffer.from(text));
      assert.equal(result.ok, false);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
  it('keeps a harmless string value "constructor"', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"constructor":"Tai Koo"}')), {
      ok: true,
      value: { constructor: 'Tai Koo' },
    });
  });
  it('refuses nesting deeper than 32 levels, without recursing', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assert.deepEqual(parseJsonBody(Buffer.from(deep)), {
      ok: false,
      detail: 'the body is nested deeper than 32 levels',
    });
    const fine = `{"a":${'['.repeat(31)}"]]]{{{"${']'.repeat(31)}}`;
    assert.equal(parseJsonBody(Buffer.from(fine)).ok, true);
  });

  it('explains malformed JSON', () => {
    const result = parseJsonBody(Buffer.from('{"id":'));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.detail : '', /^the body is not valid JSON: /);
  });
});
