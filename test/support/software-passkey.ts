// A passkey held in software, for API tests without a browser: an ES256 key pair that answers
// WebAuthn ceremonies as an authenticator would (W3C WebAuthn Level 2, "none" attestation), so the
// server's real verification (@simplewebauthn/server) runs on every answer. The browser tests use
// Chromium's virtual authenticator instead.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** The CBOR bytes of a text string or byte string up to 65,535 long (all this module writes). */
function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
}
const cborText = (text: string) => Buffer.concat([cborHead(3, Buffer.byteLength(text)), Buffer.from(text)]);
const cborBytes = (bytes: Buffer) => Buffer.concat([cborHead(2, bytes.length), bytes]);

/** Flags of authenticator data: user present, user verified, attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface SoftwarePasskey {
  credentialId: string;
  /** Answers a registration's options (as the server sent them). */
  register(options: { challenge: string }): Record<string, unknown>;
  /** Answers a sign-in's options; `userVerified: false` is a key that only checks presence. */
  assert(options: { challenge: string }, extra?: { userVerified?: boolean; userHandle?: string }): Record<string, unknown>;
}

export function softwarePasskey(origin: string): SoftwarePasskey {
  const rpId = new URL(origin).hostname;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  // COSE_Key (RFC 9053): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
  const coseKey = Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21]),
    cborBytes(Buffer.from(jwk.x!, 'base64url')),
    Buffer.from([0x22]),
    cborBytes(Buffer.from(jwk.y!, 'base64url')),
  ]);
  const rawId = randomBytes(16);
  let counter = 0;

  const authenticatorData = (flags: number, attested?: Buffer) => {
    counter += 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  };
  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  return {
    credentialId: b64url(rawId),
    register(options) {
      const idLength = Buffer.from([rawId.length >> 8, rawId.length & 0xff]);
      const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, idLength, rawId, coseKey]);
      const authData = authenticatorData(UP | UV | AT, attested);
      const attestationObject = Buffer.concat([
        Buffer.from([0xa3]),
        cborText('fmt'),
        cborText('none'),
        cborText('attStmt'),
        Buffer.from([0xa0]),
        cborText('authData'),
        cborBytes(authData),
      ]);
      return {
        id: b64url(rawId),
        rawId: b64url(rawId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientData('webauthn.create', options.challenge)),
          attestationObject: b64url(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
    assert(options, extra = {}) {
      const authData = authenticatorData(extra.userVerified === false ? UP : UP | UV);
      const clientDataJSON = clientData('webauthn.get', options.challenge);
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey as KeyObject);
      return {
        id: b64url(rawId),
        rawId: b64url(rawId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientDataJSON),
          authenticatorData: b64url(authData),
          signature: b64url(signature),
          ...(extra.userHandle ? { userHandle: b64url(extra.userHandle) } : {}),
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}
