// The embedded FerretDB program as the server runs it: started on a free port, answering the
// driver, supervised (killed, it is started again on the same address with the data intact, and
// the driver reconnects by itself), and stopped for good by stop(). A program that cannot start
// is a clear error.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jest } from '@jest/globals';
import { ferretBinaryPath, startEmbeddedFerretDB, type EmbeddedFerretDB } from '../../adapters/embedded-ferretdb.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { isDatabaseUnavailable } from '../../src/database/errors.ts';

// The first use may build the program.
jest.setTimeout(120_000);

let dir: string;
const ADAPTER = fileURLToPath(new URL('../../adapters/embedded-ferretdb.ts', import.meta.url));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'patient-idp-embedded-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once `notices` holds a line matching `pattern` (checked as lines arrive). */
function noticeMatching(notices: string[], pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const found = notices.find((line) => pattern.test(line));
      if (found) {
        clearInterval(poll);
        resolve(found);
      }
    }, 20);
  });
}

test('killed, it is started again on the same address with its data, and the driver reconnects; stop() ends it for good', async () => {
  const notices: string[] = [];
  const db: EmbeddedFerretDB = await startEmbeddedFerretDB({
    dataDir: path.join(dir, 'supervised'),
    supervise: true,
    notice: (line) => notices.push(line),
  });
  const connection = await connectDatabase(db.uri, { dbName: 'supervised', timeoutMs: 5_000 });
  try {
    const things = connection.db!.collection<{ _id: string }>('things');
    await things.insertOne({ _id: 'kept' });
    const first = db.pid!;
    expect(db.restarts).toBe(0);

    process.kill(first, 'SIGKILL');
    await noticeMatching(notices, /running again/);
    expect(notices).toEqual([
      'the embedded database stopped unexpectedly (signal SIGKILL): restarting it',
      `the embedded database is running again (pid ${db.pid}, restart 1)`,
    ]);
    expect(db.pid).not.toBe(first);
    expect(db.restarts).toBe(1);

    // The same connection string: the driver finds it again (a first call may still see the old socket).
    let found: unknown;
    for (let attempt = 0; attempt < 20 && found === undefined; attempt++) {
      try {
        found = await things.findOne({ _id: 'kept' });
      } catch (error) {
        expect(isDatabaseUnavailable(error)).toBe(true);
      }
    }
    expect(found).toEqual({ _id: 'kept' });
  } finally {
    await connection.close();
    await db.stop();
  }
  const stopped = db.pid!;
  await db.stop();
  expect(() => process.kill(stopped, 0)).toThrow();
  expect(notices.filter((line) => /stopped unexpectedly/.test(line))).toHaveLength(1);
});

test('without supervision, a killed program stays down', async () => {
  const notices: string[] = [];
  const db = await startEmbeddedFerretDB({ dataDir: path.join(dir, 'unsupervised'), notice: (line) => notices.push(line) });
  const pid = db.pid!;
  process.kill(pid, 'SIGKILL');
  await db.stop();
  expect(notices).toEqual([]);
  expect(db.restarts).toBe(0);
});

test('one directory, one embedded database: a second start is refused, in this process or another, until the first stops', async () => {
  const dataDir = path.join(dir, 'claimed');
  const first = await startEmbeddedFerretDB({ dataDir });
  try {
    await expect(startEmbeddedFerretDB({ dataDir })).rejects.toMatchObject({
      name: 'DataDirInUseError',
      message: expect.stringContaining(`${dataDir} is in use by another patient-idp process`),
    });
    // Another process (as a second `npm start` on the same DATA_DIR would be).
    const other = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startEmbeddedFerretDB } from ${JSON.stringify(pathToFileURL(ADAPTER).href)};
         await startEmbeddedFerretDB({ dataDir: ${JSON.stringify(dataDir)} }).then(() => process.exit(0), (e) => { console.error(e.name); process.exit(1); });`,
      ],
      { encoding: 'utf8' },
    );
    expect([other.status, other.stderr.trim().split('\n').at(-1)]).toEqual([1, 'DataDirInUseError']);
  } finally {
    await first.stop();
  }
  // Stopped, it is free again.
  const again = await startEmbeddedFerretDB({ dataDir });
  await again.stop();
});

test('a start that fails leaves the directory free', async () => {
  const dataDir = path.join(dir, 'failed-start');
  const fake = path.join(dir, 'exits.sh');
  await writeFile(fake, '#!/bin/sh\nexit 3\n');
  await chmod(fake, 0o755);
  await expect(startEmbeddedFerretDB({ dataDir, binaryPath: fake })).rejects.toThrow(/exited before becoming ready/);
  const db = await startEmbeddedFerretDB({ dataDir });
  await db.stop();
});

test('a program that exits at once is a clear error with what it said', async () => {
  const fake = path.join(dir, 'not-ferretdb.sh');
  await writeFile(fake, '#!/bin/sh\necho "cannot open the data directory" >&2\nexit 3\n');
  await chmod(fake, 0o755);
  await expect(startEmbeddedFerretDB({ dataDir: path.join(dir, 'fake'), binaryPath: fake })).rejects.toThrow(
    /FerretDB exited before becoming ready \(code 3, signal null\)\n--- ferretdb stderr \(tail\) ---\ncannot open the data directory/,
  );
});

test('a program that never says it is ready is stopped after the start timeout', async () => {
  const silent = path.join(dir, 'silent.sh');
  await writeFile(silent, '#!/bin/sh\nexec sleep 30\n');
  await chmod(silent, 0o755);
  await expect(
    startEmbeddedFerretDB({ dataDir: path.join(dir, 'silent'), binaryPath: silent, startTimeoutMs: 300 }),
  ).rejects.toThrow(/FerretDB did not report ready within 300 ms/);
});

test('a program that cannot be run at all', async () => {
  await expect(
    startEmbeddedFerretDB({ dataDir: path.join(dir, 'missing'), binaryPath: path.join(dir, 'no-such-program') }),
  ).rejects.toThrow(/exited before becoming ready|could not start FerretDB/);
});

test('the binary is FERRETDB_BIN when set', async () => {
  const saved = process.env.FERRETDB_BIN;
  process.env.FERRETDB_BIN = '/opt/somewhere/ferretdb';
  try {
    await expect(ferretBinaryPath()).resolves.toBe('/opt/somewhere/ferretdb');
  } finally {
    if (saved === undefined) delete process.env.FERRETDB_BIN;
    else process.env.FERRETDB_BIN = saved;
  }
});
