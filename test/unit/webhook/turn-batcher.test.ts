import assert from 'node:assert/strict';
import { TurnBatcher } from '../../../nodes/core/webhook/turn-batcher';

const nextCheckPhase = () => new Promise((resolve) => setImmediate(resolve));

describe('turn batcher', () => {
  it('hands over everything pushed in one turn together, in order, in the next check phase', async () => {
    const batches: number[][] = [];
    const batcher = new TurnBatcher<number>((items) => batches.push(items));
    batcher.push(1);
    batcher.push(2);
    await Promise.resolve();
    batcher.push(3);
    assert.deepEqual(batches, [], 'nothing before the check phase');
    await nextCheckPhase();
    assert.deepEqual(batches, [[1, 2, 3]]);
    batcher.push(4);
    await nextCheckPhase();
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
  });

  it('drains at once on request, and then not again', async () => {
    const batches: string[][] = [];
    const batcher = new TurnBatcher<string>((items) => batches.push(items));
    batcher.drain();
    batcher.push('a');
    batcher.drain();
    assert.deepEqual(batches, [['a']]);
    await nextCheckPhase();
    assert.deepEqual(batches, [['a']]);
  });
});
