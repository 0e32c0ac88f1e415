// The server is started the same way everywhere: `npm start` (package.json), the container image
// (Dockerfile, which the Kubernetes Deployment runs as it is) and the benchmark's server process
// all set the same allocator settings and Node flags (README "Memory"). Without them argon2's
// 19 MiB working memory stays in glibc's per-thread arenas (or, given back, is faulted in again 4 KiB
// at a time for every hash) and V8's young generation takes 64 MiB.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseStartScript, startCommand } from '../../bench/start-command.ts';
import { ROOT } from '../support/server-process.ts';

/** The Dockerfile's last stage: its ENV variables and its CMD (exec form). */
async function finalImage(): Promise<{ env: Record<string, string>; cmd: string[] }> {
  const text = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const lastStage = instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));
  const env: Record<string, string> = {};
  let cmd: string[] = [];
  for (const line of lastStage) {
    const [keyword, ...rest] = line.trim().split(/\s+/);
    if (keyword === 'ENV') for (const pair of rest) env[pair.split('=')[0]!] = pair.split('=').slice(1).join('=');
    if (keyword === 'CMD') cmd = JSON.parse(rest.join(' ')) as string[];
  }
  return { env, cmd };
}

test('npm start sets the allocator (mmap threshold, huge pages) and a smaller young generation', () => {
  expect(startCommand).toEqual({
    env: { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1' },
    nodeFlags: ['--max-semi-space-size=8'],
    entry: 'src/main.ts',
  });
});

test('the container image runs the server with the same settings as npm start', async () => {
  const image = await finalImage();
  expect(image.cmd).toEqual(['node', ...startCommand.nodeFlags, startCommand.entry]);
  for (const [name, value] of Object.entries(startCommand.env)) expect(image.env[name]).toBe(value);
});

test('the Kubernetes Deployment runs the image as built (no command, arguments or Node options of its own)', async () => {
  const documents = parseAllDocuments(await readFile(path.join(ROOT, 'deploy', 'kubernetes', 'deployment.yaml'), 'utf8'));
  const [deployment] = documents.map((document) => document.toJS() as Record<string, any>);
  const [container] = deployment!.spec.template.spec.containers as Array<Record<string, any>>;
  expect(container!.command).toBeUndefined();
  expect(container!.args).toBeUndefined();
  const names = ((container!.env ?? []) as Array<{ name: string }>).map((variable) => variable.name);
  expect(names).not.toContain('NODE_OPTIONS');
  expect(names.filter((name) => name.startsWith('MALLOC_') || name === 'GLIBC_TUNABLES')).toEqual([]);
});

test('a start script that does not have the expected shape is refused, not misread', () => {
  expect(parseStartScript('A=1 node --flag src/main.ts')).toEqual({
    env: { A: '1' },
    nodeFlags: ['--flag'],
    entry: 'src/main.ts',
  });
  expect(() => parseStartScript('tsx src/main.ts')).toThrow('the start script does not run node: tsx src/main.ts');
  expect(() => parseStartScript('cd x && node src/main.ts')).toThrow('the start script has "cd" before node');
  expect(() => parseStartScript('node src/main.ts --port 3')).toThrow('the start script must end with the entry');
});
