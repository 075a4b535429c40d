import { describe, expect, it } from 'vitest';
import {
  isTunnelUrl,
  newPeerChannel,
  peerSubject,
  SubjectError,
  spaceOwner,
  spaceSubject,
  tunnelUrl,
  tunnelUsername,
} from '../src/subjects';

describe('subjects and tunnel names (§4)', () => {
  it('names a node subject by the lowercased username', () => {
    expect(spaceSubject('Alice_01')).toBe('syfthub.spaces.alice_01');
    expect(spaceOwner('syfthub.spaces.alice_01')).toBe('alice_01');
    expect(spaceOwner('syfthub.peer.alice')).toBeNull();
  });

  it('refuses names that would address other subjects', () => {
    for (const bad of ['a.b', 'a*', '>', 'a b', '', 'x'.repeat(51), 'ünï']) {
      expect(() => spaceSubject(bad)).toThrow(SubjectError);
    }
  });

  it('reads the owner of a tunneling: URL', () => {
    expect(isTunnelUrl('tunneling:Bob')).toBe(true);
    expect(isTunnelUrl('https://x')).toBe(false);
    expect(tunnelUsername('tunneling:Bob')).toBe('bob');
    expect(tunnelUsername('tunneling:')).toBeNull();
    expect(tunnelUsername('tunneling:bob.smith')).toBeNull();
    expect(tunnelUsername('http://bob')).toBeNull();
    expect(tunnelUrl('Bob')).toBe('tunneling:bob');
  });

  it('makes backend-style reply channels and their subjects', () => {
    const channel = newPeerChannel();
    expect(channel).toMatch(/^peer_[0-9a-f]{32}$/);
    expect(newPeerChannel()).not.toBe(channel);
    expect(peerSubject(channel)).toBe(`syfthub.peer.${channel}`);
    expect(peerSubject('0f1d0c9e-8a57-4b7e-9a55-2f0e3c1b7d42')).toMatch(/^syfthub\.peer\./);
    expect(() => peerSubject('a.b')).toThrow(SubjectError);
    expect(() => peerSubject('>')).toThrow(SubjectError);
  });
});
