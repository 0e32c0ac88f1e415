// A throwaway self-signed TLS certificate for 127.0.0.1, built with node:crypto alone (no openssl,
// no extra package): oidc-provider requires initiate_login_uri to be https, so the test portal
// serves HTTPS and the browser context ignores certificate errors.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** DER: one tag-length-value. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const length =
    body.length < 0x80
      ? Buffer.from([body.length])
      : body.length < 0x100
        ? Buffer.from([0x81, body.length])
        : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...content: Buffer[]) => tlv(0x30, ...content);
const set = (...content: Buffer[]) => tlv(0x31, ...content);
const oid = (bytes: number[]) => tlv(0x06, Buffer.from(bytes));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const generalizedTime = (date: Date) =>
  tlv(0x18, Buffer.from(`${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));

const ECDSA_WITH_SHA256 = oid([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]); // 1.2.840.10045.4.3.2
const COMMON_NAME = oid([0x55, 0x04, 0x03]); // 2.5.4.3
const SUBJECT_ALT_NAME = oid([0x55, 0x1d, 0x11]); // 2.5.29.17

export interface SelfSigned {
  key: string;
  cert: string;
}

/** An ECDSA P-256 certificate for 127.0.0.1 (CN and an IP subjectAltName), valid for a day. */
export function selfSignedCertificate(host = '127.0.0.1'): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = sequence(set(sequence(COMMON_NAME, utf8(host))));
  const serial = randomBytes(16);
  // Positive and minimal (DER): a first byte of 1 to 127. (0x00 before a byte under 0x80 is
  // "illegal padding", which failed about one start in 128.)
  serial[0] = (serial[0]! % 0x7f) + 1;
  const now = Date.now();
  const ip = Buffer.from(host.split('.').map(Number));
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // v3
    tlv(0x02, serial),
    sequence(ECDSA_WITH_SHA256),
    name,
    sequence(generalizedTime(new Date(now - 60_000)), generalizedTime(new Date(now + 24 * 60 * 60 * 1000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, sequence(sequence(SUBJECT_ALT_NAME, tlv(0x04, sequence(tlv(0x87, ip)))))),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const der = sequence(tbs, sequence(ECDSA_WITH_SHA256), tlv(0x03, Buffer.from([0]), signature));
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`,
  };
}
