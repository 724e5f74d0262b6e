import assert from 'node:assert/strict';
import { checkEventObject, parseJsonBody } from '../../../nodes/core/webhook/json-body';

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
    // escaped spellings of the same key: JSON.parse decodes them into an own "__proto__"
    '{"\\u005f_proto__":{"polluted":true}}',
    '{"_\\u005Fproto__":{"polluted":true}}',
    '{"\\u005f\\u005f\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":{"polluted":true}}',
    '{"data":{"items":[{"sku":"a","x":{"y":{"\\u005f_proto__":{"polluted":true}}}}]}}',
    '{"data":{"\\u0063onstructor":{"prototype":{"polluted":true}}}}',
  ]) {
    it(`refuses prototype-polluting keys: ${text}`, () => {
      const result = parseJsonBody(Buffer.from(text));
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.detail : '', /not allowed/);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
  it('leaves no own "__proto__" that a clone (as Node-RED makes of messages) would turn into a prototype', () => {
    const result = parseJsonBody(Buffer.from('{"a":{"\\u005f_proto__":{"isAdmin":true}}}'));
    const inner = result.ok ? (result.value as { a: Record<string, unknown> }).a : {};
    // a clone by assignment, as lodash's cloneDeep (Node-RED's cloneMessage) makes it
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(inner)) copy[key] = inner[key];
    assert.equal(copy.isAdmin, undefined);
  });
  it('keeps text that merely mentions the keys', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"note":"\\"__proto__\\": is refused"}')).ok, true);
  });
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

  describe('events arriving as objects (the node input)', () => {
    it('refuses an own "__proto__" at any depth', () => {
      const value = JSON.parse('{"data":{"items":[{"__proto__":{"polluted":true}}]}}');
      assert.deepEqual(checkEventObject(value), {
        ok: false,
        detail: 'the key "__proto__" is not allowed in an event',
      });
    });
    it('refuses constructor.prototype', () => {
      const value = { data: { constructor: { prototype: { polluted: true } } } };
      assert.equal(checkEventObject(value).ok, false);
    });
    it('refuses cycles and deep nesting, without recursing', () => {
      const cyclic: Record<string, unknown> = { id: 'x' };
      cyclic.self = cyclic;
      assert.deepEqual(checkEventObject(cyclic), {
        ok: false,
        detail: 'the event is nested deeper than 32 levels',
      });
      let deep: unknown = {};
      for (let i = 0; i < 100_000; i++) deep = [deep];
      assert.equal(checkEventObject(deep).ok, false);
    });
    it('accepts an ordinary event, shared sub-objects included', () => {
      const shared = { sku: 'A' };
      assert.deepEqual(checkEventObject({ data: { items: [shared, shared], constructor: 'x' } }), {
        ok: true,
      });
    });
  });
});
