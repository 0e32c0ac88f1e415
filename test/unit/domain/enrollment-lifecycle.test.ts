// The enrollment lifecycle as a table (src/domain/enrollment/lifecycle.ts): the diagram beside it
// draws exactly its rows, every (status, event) pair gives the documented status or is refused,
// and the database filters are derived from the same rows. No database: pure functions.
import {
  DELIVERY_LIFECYCLE,
  ENROLLMENT_STATUSES,
  LIFECYCLE,
  LIVE_ENROLLMENT_STATUSES,
  filterFor,
  nextStatus,
  statusOf,
  type EnrollmentEvent,
} from '../../../src/domain/enrollment/lifecycle.ts';
import { readStateDiagram } from '../../support/mermaid.ts';

const diagram = readStateDiagram(new URL('../../../src/domain/enrollment/enrollment.mermaid', import.meta.url));
const AT = new Date('2026-06-01T12:00:00Z');
const EVENTS = LIFECYCLE.map((row) => row.event);

test('the diagram draws exactly the table: one edge per (from, event), to the documented status', () => {
  const expected = LIFECYCLE.flatMap((row) =>
    row.from.map((from) => ({
      from: from === 'new' ? '[*]' : from,
      to: row.to === 'unchanged' ? from : row.to,
      label: row.event,
    })),
  );
  const drawn = diagram.get('')!.filter((edge) => edge.to !== '[*]');
  expect(drawn.sort(byEdge)).toEqual(expected.sort(byEdge));
  // The terminal statuses end there.
  expect(
    diagram
      .get('')!
      .filter((edge) => edge.to === '[*]')
      .map((edge) => edge.from)
      .sort(),
  ).toEqual(['claimed', 'revoked']);
});

test('the delivery sub-state is drawn as its table says', () => {
  const expected = DELIVERY_LIFECYCLE.flatMap((row) =>
    row.from.map((from) => ({ from: from === 'new' ? '[*]' : from, to: row.to, label: row.when })),
  );
  expect(diagram.get('delivery')!.sort(byEdge)).toEqual(expected.sort(byEdge));
});

test('every status and event pair: the documented next status, or refused', () => {
  let allowed = 0;
  for (const status of [...ENROLLMENT_STATUSES, 'new'] as const) {
    for (const event of EVENTS) {
      const row = LIFECYCLE.find((candidate) => candidate.event === event)!;
      const next = nextStatus(status, event);
      if (row.from.includes(status)) {
        allowed += 1;
        expect({ status, event, next }).toEqual({ status, event, next: row.to === 'unchanged' ? status : row.to });
      } else {
        expect({ status, event, next }).toEqual({ status, event, next: undefined });
      }
    }
  }
  expect(allowed).toBe(LIFECYCLE.reduce((sum, row) => sum + row.from.length, 0));
});

test('a claimed or revoked enrollment is terminal: no event applies', () => {
  for (const status of ['claimed', 'revoked'] as const)
    for (const event of EVENTS) expect(nextStatus(status, event)).toBeUndefined();
});

test('the database filters come from the table: stored statuses, and the expiry where it matters', () => {
  const cases: [EnrollmentEvent, string[], boolean][] = [
    ['open', ['invited'], true],
    ['verify', [...LIVE_ENROLLMENT_STATUSES], true],
    ['fail_verification', [...LIVE_ENROLLMENT_STATUSES], true],
    ['lock', [...LIVE_ENROLLMENT_STATUSES], false],
    ['claim', ['verified'], true],
    ['release', ['verified'], false],
    ['complete', ['verified'], false],
    // An expired enrollment is stored live, so a reissue or revoke of one matches its stored status.
    ['reissue', ['invited', 'opened', 'verified', 'locked'], false],
    ['revoke', ['invited', 'opened', 'verified', 'locked'], false],
  ];
  for (const [event, statuses, beforeExpiry] of cases) {
    const filter = filterFor(event, AT);
    expect({ event, statuses: [...filter.status.$in].sort() }).toEqual({ event, statuses: [...statuses].sort() });
    expect({ event, expiresAt: filter.expiresAt }).toEqual({ event, expiresAt: beforeExpiry ? { $gt: AT } : undefined });
  }
});

test('expired is derived: a live enrollment past its expiry reads expired, others keep their status', () => {
  const past = new Date(AT.getTime() - 1);
  const future = new Date(AT.getTime() + 1);
  for (const status of LIVE_ENROLLMENT_STATUSES) {
    expect(statusOf({ status, expiresAt: past }, AT)).toBe('expired');
    expect(statusOf({ status, expiresAt: future }, AT)).toBe(status);
  }
  for (const status of ['claimed', 'revoked', 'locked'] as const) expect(statusOf({ status, expiresAt: past }, AT)).toBe(status);
  // Exactly at the expiry instant the link is expired.
  expect(statusOf({ status: 'invited', expiresAt: AT }, AT)).toBe('expired');
});

function byEdge(a: { from: string; to: string; label: string }, b: { from: string; to: string; label: string }): number {
  return `${a.from} ${a.label} ${a.to}`.localeCompare(`${b.from} ${b.label} ${b.to}`);
}
