import { describe, expect, it } from 'vitest';
import { annotateCitations } from '../src/citations';

const map = (entries: Array<[number, string]>) => new Map(entries);

describe('annotateCitations', () => {
  it('covers the whole sentence including its full stop when the marker follows it (spec example)', () => {
    const r = annotateCitations('Clause 7 covers termination. [cite:1]', map([[1, 'alice/legal']]));
    expect(r.annotated).toBe('Clause 7 covers termination. [cite:1-0:28]');
  });

  it('stops before the marker when the marker precedes the full stop (spec example)', () => {
    const r = annotateCitations('Clause 7 covers termination [cite:1].', map([[1, 'alice/legal']]));
    expect(r.annotated).toBe('Clause 7 covers termination [cite:1-0:27].');
  });

  it('finds the start after the previous sentence and skips leading spaces and tabs', () => {
    const text = 'First point. [cite:1] Second point here! [cite:2]\n\tThird one? [cite:1, 2]';
    const r = annotateCitations(
      text,
      map([
        [1, 'a/x'],
        [2, 'b/y'],
      ]),
    );
    // clean: "First point.  Second point here! \n\tThird one? "
    expect(r.annotated).toBe(
      'First point. [cite:1-0:12] Second point here! [cite:2-14:32]\n\tThird one? [cite:1,2-35:45]',
    );
  });

  it('drops invalid indices and removes markers left empty', () => {
    const r = annotateCitations('A fact. [cite:1,9] Nothing valid. [cite:7]', map([[1, 'a/x']]));
    expect(r.annotated).toBe('A fact. [cite:1-0:7] Nothing valid. ');
    expect(r.profitShare).toEqual({ 'a/x': 1 });
  });

  it('counts positions in code points, not UTF-16 units', () => {
    const r = annotateCitations('😀 emoji start. Next 😀 one. [cite:1]', map([[1, 'a/x']]));
    // "😀 emoji start." is 14 code points (16 UTF-16 units); "Next 😀 one." then spans 15..26 (UTF-16: 17..29).
    expect(r.annotated).toBe('😀 emoji start. Next 😀 one. [cite:1-15:26]');
  });

  it('leaves text without markers untouched and gives every source a zero share', () => {
    const r = annotateCitations(
      'No citations at all.',
      map([
        [1, 'a/x'],
        [2, 'b/y'],
      ]),
    );
    expect(r.annotated).toBe('No citations at all.');
    expect(r.profitShare).toEqual({ 'a/x': 0, 'b/y': 0 });
  });

  it('weights multi-source citation groups 1.5 and single ones 1.0 (§8.4)', () => {
    // Groups: {a} , {a,b}, {b} via two numbers of the same path, {c}
    const text = 'One. [cite:1] Two. [cite:1,3] Three. [cite:3,4] Four. [cite:5]';
    const r = annotateCitations(
      text,
      map([
        [1, 'a'],
        [2, 'a'],
        [3, 'b'],
        [4, 'b'],
        [5, 'c'],
        [6, 'd'],
      ]),
    );
    // total: a=2, b=2, c=1; multi: a=1, b=1 -> W(a)=1.5+1=2.5, W(b)=2.5, W(c)=1, W(d)=0; sum=6
    expect(r.profitShare).toEqual({ a: 0.416667, b: 0.416667, c: 0.166667, d: 0 });
  });

  it('accepts spaces inside markers and deduplicates repeated indices', () => {
    const r = annotateCitations('Fact. [cite: 2 , 2 ]', map([[2, 'a/x']]));
    expect(r.annotated).toBe('Fact. [cite:2-0:5]');
  });
});
