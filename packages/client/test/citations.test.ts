import { describe, expect, it } from 'vitest';
import {
  mergeCitationSpans,
  parseAnnotatedResponse,
  streamingDisplayText,
  stripCitationMarkers,
} from '../src/citations';

describe('citations', () => {
  it('parses the spec example', () => {
    const parsed = parseAnnotatedResponse('Clause 7 covers termination. [cite:1-0:28]');
    expect(parsed.text).toBe('Clause 7 covers termination. ');
    expect(parsed.spans).toEqual([{ indices: [1], start: 0, end: 28 }]);
    expect(parsed.text.slice(0, 28)).toBe('Clause 7 covers termination.');
  });

  it('converts code-point offsets to UTF-16 around emoji and other non-BMP text', () => {
    // "😀 ok." is 5 code points but 6 UTF-16 units; "𝔘nicode." follows it.
    const annotated = '😀 ok. [cite:1-0:5] 𝔘nicode wins. [cite:2,3-7:20]';
    const parsed = parseAnnotatedResponse(annotated);
    expect(parsed.text).toBe('😀 ok.  𝔘nicode wins. ');
    const [first, second] = parsed.spans;
    expect(parsed.text.slice(first?.start, first?.end)).toBe('😀 ok.');
    expect(parsed.text.slice(second?.start, second?.end)).toBe('𝔘nicode wins.');
    expect(second?.indices).toEqual([2, 3]);
  });

  it('merges identical and overlapping ranges, keeps touching ones apart', () => {
    expect(
      mergeCitationSpans([
        { indices: [2], start: 0, end: 10 },
        { indices: [1], start: 0, end: 10 },
        { indices: [3], start: 5, end: 15 },
        { indices: [4], start: 15, end: 20 },
      ]),
    ).toEqual([
      { indices: [1, 2, 3], start: 0, end: 15 },
      { indices: [4], start: 15, end: 20 },
    ]);
  });

  it('strips raw and annotated markers, and half-typed ones while streaming', () => {
    expect(stripCitationMarkers('A [cite:1] B [cite:1, 2-0:3].')).toBe('A  B .');
    expect(streamingDisplayText('Done. [cite:1')).toBe('Done. ');
    expect(streamingDisplayText('Done. [ci')).toBe('Done. ');
    expect(streamingDisplayText('A [link](x)')).toBe('A [link](x)');
  });
});
