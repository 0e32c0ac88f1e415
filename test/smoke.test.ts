import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
test('jose in jest', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwt = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const { payload } = await jwtVerify(jwt, publicKey);
  expect(payload.a).toBe(1);
});
