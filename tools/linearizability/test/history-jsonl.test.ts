import { describe, expect, it } from 'vitest';
import { formatHistoryJsonl, HistoryFormatError, parseHistoryJsonl } from '../src/history-jsonl.js';
import { HistoryRecorder } from '../src/history-recorder.js';
import { type RegisterInput, type RegisterOutput, registerCodec } from '../src/register-model.js';
import { cas, lost, read, write } from './register-ops.js';

describe('JSON-lines histories', () => {
  it('round-trip, indeterminate operations included', () => {
    const history = [
      write(1, 0, 1.5, 'x', 'a'),
      lost(2, 1, { type: 'cas', key: 'x', expected: 'a', value: 7 }),
      read(3, 2, 3, 'x', null),
      cas(3, 4, 5, 'y', null, 'b', true),
    ];
    const text = formatHistoryJsonl(history);
    expect(text.split('\n')).toHaveLength(5);
    expect(text.split('\n')[1]).toBe(
      '{"clientId":2,"call":1,"input":{"type":"cas","key":"x","expected":"a","value":7}}',
    );
    expect(parseHistoryJsonl(text, registerCodec)).toEqual(history);
  });

  it('accepts null for a missing return, blank lines and extra fields', () => {
    const text = [
      '{"clientId":1,"call":0,"return":null,"output":null,"input":{"type":"write","key":"x","value":1},"error":"timeout"}',
      '',
      '  {"clientId":2,"call":3,"return":4,"input":{"type":"read","key":"x"},"output":{"type":"read","value":1}}  ',
    ].join('\n');
    expect(parseHistoryJsonl(text, registerCodec)).toEqual([
      lost(1, 0, { type: 'write', key: 'x', value: 1 }),
      read(2, 3, 4, 'x', 1),
    ]);
  });

  it.each([
    ['not json', /line 2: .*JSON/],
    ['[1]', /line 2: an operation must be an object/],
    ['{"clientId":"a","call":0,"input":{"type":"read","key":"x"}}', /line 2: clientId must be an integer/],
    ['{"clientId":1,"call":0,"input":{"type":"read","key":"x"},"output":{"type":"read","value":1}}', /no output/],
    ['{"clientId":1,"call":0,"return":1,"input":{"type":"read","key":"x"}}', /must have an output/],
    ['{"clientId":1,"call":0,"return":1,"input":{"type":"read","key":"x"},"output":{"type":"write"}}', /output.type/],
  ])('names the line of a bad operation: %s', (line, message) => {
    const text = `${JSON.stringify({ clientId: 0, call: 0, input: { type: 'read', key: 'x' } })}\n${line}\n`;
    expect(() => parseHistoryJsonl(text, registerCodec)).toThrow(HistoryFormatError);
    expect(() => parseHistoryJsonl(text, registerCodec)).toThrow(message);
  });
});

describe('HistoryRecorder', () => {
  it('records calls and returns on its clock; failed and pending operations are indeterminate', () => {
    let now = 10;
    const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>(() => now++);
    const w = recorder.invoke(1, { type: 'write', key: 'x', value: 1 });
    const r = recorder.invoke(2, { type: 'read', key: 'x' });
    const c = recorder.invoke(3, { type: 'cas', key: 'x', expected: 1, value: 2 });
    recorder.invoke(4, { type: 'read', key: 'y' });
    recorder.complete(w, { type: 'write' });
    recorder.fail(c);
    recorder.complete(r, { type: 'read', value: 1 });
    expect(recorder.history()).toEqual([
      write(1, 10, 14, 'x', 1),
      read(2, 11, 15, 'x', 1),
      lost(3, 12, { type: 'cas', key: 'x', expected: 1, value: 2 }),
      lost(4, 13, { type: 'read', key: 'y' }),
    ]);
    expect(() => recorder.complete(w, { type: 'write' })).toThrow(/not pending/);
  });

  it('has a bound', () => {
    const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>(() => 0, 1);
    recorder.invoke(1, { type: 'read', key: 'x' });
    expect(() => recorder.invoke(1, { type: 'read', key: 'x' })).toThrow(/operationsMax 1/);
  });
});
