import { describe, expect, it } from 'vitest';
import { sharedKeyAuthorization, signDigest, stringToSign, verifySignature } from '../shared/ingest/sharedKey';

// Vectors computed independently with Python's hmac/hashlib, exactly as the Keeper troubleshooting script signs.
const PRIMARY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==';
const SECONDARY = 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw==';
const DATE = 'Mon, 04 Apr 2016 08:00:00 GMT';
const ASCII_BODY = Buffer.from('[{"audit_event":"login","username":"user@company.com"}]');
const UNICODE_BODY = Buffer.from('[{"username":"jürgen@exämple.com","note":"日本語 ✓"}]', 'utf8');
const WS = '2b6d9f0e-5c1a-4e8b-9d3f-7a1c0e4b6d21';

const key = (b64: string) => Buffer.from(b64, 'base64');

describe('SharedKey signature', () => {
  it('builds the legacy string-to-sign', () => {
    expect(stringToSign(55, 'application/json', DATE)).toBe(`POST\n55\napplication/json\nx-ms-date:${DATE}\n/api/logs`);
  });

  it('matches the reference vector for an ASCII body', () => {
    expect(ASCII_BODY.length).toBe(55);
    expect(signDigest(key(PRIMARY), 55, 'application/json', DATE).toString('base64')).toBe('tMpPGhqtn1DzLpC/lMHKA7HBQOI5uOyt50ffzuKOBZw=');
  });

  it('signs a non-ASCII body over its UTF-8 byte length, not its character count', () => {
    expect(UNICODE_BODY.length).toBe(60);
    expect(UNICODE_BODY.toString().length).toBeLessThan(60);
    expect(signDigest(key(PRIMARY), UNICODE_BODY.length, 'application/json', DATE).toString('base64')).toBe(
      '41CRVBhs5kuTiRgCPu2Uo+9p7ccfuFejRd/knuS1pcM=',
    );
  });

  it('matches the reference vector for the secondary key', () => {
    expect(signDigest(key(SECONDARY), 55, 'application/json', DATE).toString('base64')).toBe('uVAMq3fHKGJ5lxFUK/oH2g3Xw6jfnwQsq4VHYLY+caU=');
  });

  it('matches the reference vector over a Content-Type with charset', () => {
    expect(signDigest(key(PRIMARY), 55, 'application/json; charset=utf-8', DATE).toString('base64')).toBe(
      'M/Ivw6kDK+49tq3j4yRibOMIi07P2avi6NwN+SrBRto=',
    );
  });

  it('formats the Authorization header a sender sends', () => {
    expect(sharedKeyAuthorization(WS, PRIMARY, 55, DATE)).toBe(`SharedKey ${WS}:tMpPGhqtn1DzLpC/lMHKA7HBQOI5uOyt50ffzuKOBZw=`);
  });

  describe('verification', () => {
    const keys = [key(PRIMARY), key(SECONDARY)];
    const sig = (b64: string) => Buffer.from(b64, 'base64');

    it('accepts the primary or the secondary key', () => {
      expect(verifySignature(sig('tMpPGhqtn1DzLpC/lMHKA7HBQOI5uOyt50ffzuKOBZw='), keys, 55, ['application/json'], DATE)).toBe(true);
      expect(verifySignature(sig('uVAMq3fHKGJ5lxFUK/oH2g3Xw6jfnwQsq4VHYLY+caU='), keys, 55, ['application/json'], DATE)).toBe(true);
    });

    it('refuses a signature over another length, date or key', () => {
      const good = sig('tMpPGhqtn1DzLpC/lMHKA7HBQOI5uOyt50ffzuKOBZw=');
      expect(verifySignature(good, keys, 56, ['application/json'], DATE)).toBe(false);
      expect(verifySignature(good, keys, 55, ['application/json'], 'Mon, 04 Apr 2016 08:00:01 GMT')).toBe(false);
      expect(verifySignature(good, [key(SECONDARY)], 55, ['application/json'], DATE)).toBe(false);
    });

    it('refuses truncated or empty signatures without throwing', () => {
      expect(verifySignature(Buffer.alloc(0), keys, 55, ['application/json'], DATE)).toBe(false);
      expect(verifySignature(Buffer.alloc(16), keys, 55, ['application/json'], DATE)).toBe(false);
    });

    it('accepts a charset Content-Type signed either with or without the charset', () => {
      const types = ['application/json; charset=utf-8', 'application/json'];
      expect(verifySignature(sig('M/Ivw6kDK+49tq3j4yRibOMIi07P2avi6NwN+SrBRto='), keys, 55, types, DATE)).toBe(true);
      expect(verifySignature(sig('tMpPGhqtn1DzLpC/lMHKA7HBQOI5uOyt50ffzuKOBZw='), keys, 55, types, DATE)).toBe(true);
    });
  });
});
