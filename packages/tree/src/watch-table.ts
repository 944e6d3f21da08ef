// The watch registry's storage, both directions in one place. Every (path, session) pair
// that watches anything is one cell of seven int32s: its path slot, its session index, its
// mode bits (both of ZooKeeper's tables: data/exist, child, persistent, recursive), and
// links on two intrusive lists, the path's watchers (in the order they came) and the
// session's paths. A path is a slot (head, tail, count) found through a PathIndex over the
// slots' path strings; a session is a small integer (head, count, mark) found through one
// Map<bigint, number>. Why: a Map (or Set) per watched path and a Set per session cost about
// 300 bytes per watch after GC; here a watch costs its cell plus its share of the path.
//
// Finding one session's cell on a path walks the path's list; a path with CROWD_MIN watchers
// or more also gets a Map session -> cell, so that stays O(1) when thousands of sessions
// watch one path. Typed arrays grow by half; freed cells, slots and sessions are reused
// through free lists; the arrays keep their high-water size until the table is empty again.
import { parentPath } from "@warden/protocol";
import { PathIndex } from "./path-index.js";

export const DATA_STANDARD = 1;
export const DATA_PERSISTENT = 2;
export const RECURSIVE = 4;
export const CHILD_STANDARD = 8;
export const CHILD_PERSISTENT = 16;
/** The bits of ZooKeeper's data table and of its child table. */
export const DATA_BITS = DATA_STANDARD | DATA_PERSISTENT | RECURSIVE;
export const CHILD_BITS = CHILD_STANDARD | CHILD_PERSISTENT;

const NONE = -1;
/** Watchers on one path from which the path also keeps a session-to-cell map (O(1) lookups on busy paths). */
const CROWD_MIN = 8;
/** Cells the table starts with. */
const CAPACITY_MIN = 16;
/** A table left empty with more cells than this gives its arrays back (fewer: kept, so one watch set and fired again and again allocates nothing). */
const RELEASE_MIN = 4096;
/** The largest fire mark before marks are renumbered. */
const MARK_MAX = 0x7fffffff;

// Cell fields (stride 7).
const C_SLOT = 0,
  C_SESSION = 1,
  C_BITS = 2,
  C_PATH_NEXT = 3,
  C_PATH_PREV = 4,
  C_SESSION_NEXT = 5,
  C_SESSION_PREV = 6,
  C_STRIDE = 7;
// Path slot fields (stride 3): a free slot's head is the next free slot.
const P_HEAD = 0,
  P_TAIL = 1,
  P_COUNT = 2,
  P_STRIDE = 3;
// Session fields (stride 3): a free session's head is the next free session.
const S_HEAD = 0,
  S_COUNT = 1,
  S_MARK = 2,
  S_STRIDE = 3;

function grow(a: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const b = new Int32Array(Math.max(needed, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

export class WatchTable {
  private cells = new Int32Array(CAPACITY_MIN * C_STRIDE);
  private cellsUsed = 0;
  private freeCell = NONE;

  private slots = new Int32Array(CAPACITY_MIN * P_STRIDE);
  private slotsUsed = 0;
  private freeSlot = NONE;
  /** slot -> its path ("" when free): the PathIndex's keys. */
  private slotPaths: string[] = [];
  private pathIndex = new PathIndex(this.slotPaths, 1);
  /** Paths with CROWD_MIN watchers or more: slot -> session -> cell. */
  private readonly crowded = new Map<number, Map<number, number>>();

  private sessions = new Int32Array(CAPACITY_MIN * S_STRIDE);
  private sessionsUsed = 0;
  private freeSession = NONE;
  private readonly sessionIndex = new Map<bigint, number>();
  /** session index -> id (a freed index keeps its last id until reused). */
  private sessionIds: bigint[] = [];
  private mark = 0;

  /** Cells with a data-table bit, with a child-table bit, with RECURSIVE. */
  dataWatches = 0;
  childWatches = 0;
  recursiveCount = 0;

  /**
   * @param canonical the string to keep for a newly watched path (the tree's own copy of it, when it has one).
   * @param markMax the highest fire mark before the marks are renumbered (tests lower it).
   */
  constructor(
    private readonly canonical: (path: string) => string = (p) => p,
    private readonly markMax = MARK_MAX,
  ) {}

  get sessionCount(): number {
    return this.sessionIndex.size;
  }

  get pathCount(): number {
    return this.pathIndex.size;
  }

  /** The session's cell on `path`, or NONE. */
  private cellOf(path: string, sessionId: bigint): number {
    const s = this.sessionIndex.get(sessionId);
    if (s === undefined) return NONE;
    const slot = this.pathIndex.get(path);
    return slot < 0 ? NONE : this.cellAt(slot, s);
  }

  private cellAt(slot: number, s: number): number {
    const crowd = this.crowded.get(slot);
    if (crowd !== undefined) return crowd.get(s) ?? NONE;
    const cells = this.cells;
    for (let c = this.slots[slot * P_STRIDE + P_HEAD]!; c !== NONE; c = cells[c * C_STRIDE + C_PATH_NEXT]!) {
      if (cells[c * C_STRIDE + C_SESSION] === s) return c;
    }
    return NONE;
  }

  /** The session's mode bits on `path` (0: none). */
  bitsOf(path: string, sessionId: bigint): number {
    const c = this.cellOf(path, sessionId);
    return c === NONE ? 0 : this.cells[c * C_STRIDE + C_BITS]!;
  }

  /** Paths the session watches. */
  pathCountOf(sessionId: bigint): number {
    const s = this.sessionIndex.get(sessionId);
    return s === undefined ? 0 : this.sessions[s * S_STRIDE + S_COUNT]!;
  }

  /** Adds `bits` to the session's watch on `path`. */
  add(path: string, sessionId: bigint, bits: number): void {
    let slot = this.pathIndex.get(path);
    if (slot < 0) slot = this.newSlot(path);
    let s = this.sessionIndex.get(sessionId);
    if (s === undefined) s = this.newSession(sessionId);
    let c = this.cellAt(slot, s);
    if (c === NONE) c = this.newCell(slot, s);
    this.setBits(c, this.cells[c * C_STRIDE + C_BITS]! | bits);
  }

  /** Clears `bits` of the session's watch on `path`; whether any was set. */
  clear(path: string, sessionId: bigint, bits: number): boolean {
    const c = this.cellOf(path, sessionId);
    if (c === NONE) return false;
    const old = this.cells[c * C_STRIDE + C_BITS]!;
    if ((old & bits) === 0) return false;
    this.setBits(c, old & ~bits);
    return true;
  }

  /** Drops every watch of the session. */
  removeSession(sessionId: bigint): void {
    const s = this.sessionIndex.get(sessionId);
    if (s === undefined) return;
    // Clearing the last cell frees the session: stop there, not at the (reused) head.
    for (let n = this.sessions[s * S_STRIDE + S_COUNT]!; n > 0; n--) this.setBits(this.sessions[s * S_STRIDE + S_HEAD]!, 0);
  }

  /**
   * The sessions a change at `path` fires in one table, each once, appended to `out`: at the
   * path every session with a bit of `table` (its `standard` bit consumed), above it (when
   * `ancestors`) every session with RECURSIVE. Sessions fired by the previous call are left
   * out when `suppressPrevious` (NodeDeleted's child watches after its data watches).
   */
  fire(path: string, table: number, standard: number, ancestors: boolean, suppressPrevious: boolean, out: bigint[]): void {
    let previous = this.mark;
    if (previous >= this.markMax) {
      // Renumber before the marks wrap: the previous call's sessions keep a mark of their own.
      for (let m = S_MARK; m < this.sessionsUsed * S_STRIDE; m += S_STRIDE) this.sessions[m] = this.sessions[m] === previous ? 1 : 0;
      this.mark = previous = 1;
    }
    const mark = ++this.mark;
    const suppress = suppressPrevious ? previous : NONE;
    let slot = this.pathIndex.get(path);
    for (let atPath = true; ; atPath = false) {
      if (slot >= 0) {
        const want = atPath ? table : RECURSIVE;
        for (let c = this.slots[slot * P_STRIDE + P_HEAD]!; c !== NONE; ) {
          const at = c * C_STRIDE;
          const next = this.cells[at + C_PATH_NEXT]!;
          const bits = this.cells[at + C_BITS]!;
          if ((bits & want) !== 0) {
            const s = this.cells[at + C_SESSION]!;
            const m = s * S_STRIDE + S_MARK;
            if (this.sessions[m] !== mark) {
              if (this.sessions[m] !== suppress) out.push(this.sessionIds[s]!);
              this.sessions[m] = mark;
            }
            if (atPath && (bits & standard) !== 0) this.setBits(c, bits & ~standard);
          }
          c = next;
        }
      }
      if (!ancestors || this.recursiveCount === 0 || path === "/") return;
      path = parentPath(path);
      slot = this.pathIndex.get(path);
    }
  }

  /** The paths of each session, unsorted. */
  pathsBySession(): Map<bigint, string[]> {
    const out = new Map<bigint, string[]>();
    for (const [id, s] of this.sessionIndex) {
      const paths: string[] = [];
      for (let c = this.sessions[s * S_STRIDE + S_HEAD]!; c !== NONE; c = this.cells[c * C_STRIDE + C_SESSION_NEXT]!)
        paths.push(this.slotPaths[this.cells[c * C_STRIDE + C_SLOT]!]!);
      out.set(id, paths);
    }
    return out;
  }

  /** The sessions watching each path, in the order they came. */
  sessionsByPath(): Map<string, bigint[]> {
    const out = new Map<string, bigint[]>();
    for (let slot = 0; slot < this.slotsUsed; slot++) {
      if (this.slots[slot * P_STRIDE + P_COUNT] === 0) continue;
      const sessions: bigint[] = [];
      for (let c = this.slots[slot * P_STRIDE + P_HEAD]!; c !== NONE; c = this.cells[c * C_STRIDE + C_PATH_NEXT]!)
        sessions.push(this.sessionIds[this.cells[c * C_STRIDE + C_SESSION]!]!);
      out.set(this.slotPaths[slot]!, sessions);
    }
    return out;
  }

  /** Sets a cell's bits, keeping the counters; 0 frees the cell (and its path and session when it was their last). */
  private setBits(c: number, bits: number): void {
    const at = c * C_STRIDE;
    const old = this.cells[at + C_BITS]!;
    this.dataWatches += +((bits & DATA_BITS) !== 0) - +((old & DATA_BITS) !== 0);
    this.childWatches += +((bits & CHILD_BITS) !== 0) - +((old & CHILD_BITS) !== 0);
    this.recursiveCount += +((bits & RECURSIVE) !== 0) - +((old & RECURSIVE) !== 0);
    this.cells[at + C_BITS] = bits;
    if (bits === 0) this.freeCellAt(c);
  }

  private newSlot(path: string): number {
    let slot = this.freeSlot;
    if (slot !== NONE) this.freeSlot = this.slots[slot * P_STRIDE + P_HEAD]!;
    else {
      slot = this.slotsUsed++;
      this.slots = grow(this.slots, this.slotsUsed * P_STRIDE);
    }
    const p = slot * P_STRIDE;
    this.slots[p + P_HEAD] = NONE;
    this.slots[p + P_TAIL] = NONE;
    this.slots[p + P_COUNT] = 0;
    this.slotPaths[slot] = this.canonical(path);
    this.pathIndex.add(path, slot);
    return slot;
  }

  private newSession(sessionId: bigint): number {
    let s = this.freeSession;
    if (s !== NONE) this.freeSession = this.sessions[s * S_STRIDE + S_HEAD]!;
    else {
      s = this.sessionsUsed++;
      this.sessions = grow(this.sessions, this.sessionsUsed * S_STRIDE);
    }
    this.sessions[s * S_STRIDE + S_HEAD] = NONE;
    this.sessions[s * S_STRIDE + S_COUNT] = 0;
    this.sessions[s * S_STRIDE + S_MARK] = 0;
    this.sessionIds[s] = sessionId;
    this.sessionIndex.set(sessionId, s);
    return s;
  }

  /** A cell with no bits yet, at the tail of the path's list and the head of the session's. */
  private newCell(slot: number, s: number): number {
    let c = this.freeCell;
    if (c !== NONE) this.freeCell = this.cells[c * C_STRIDE + C_PATH_NEXT]!;
    else {
      c = this.cellsUsed++;
      this.cells = grow(this.cells, this.cellsUsed * C_STRIDE);
    }
    const cells = this.cells,
      at = c * C_STRIDE,
      p = slot * P_STRIDE,
      q = s * S_STRIDE;
    const tail = this.slots[p + P_TAIL]!;
    cells[at + C_SLOT] = slot;
    cells[at + C_SESSION] = s;
    cells[at + C_BITS] = 0;
    cells[at + C_PATH_NEXT] = NONE;
    cells[at + C_PATH_PREV] = tail;
    if (tail === NONE) this.slots[p + P_HEAD] = c;
    else cells[tail * C_STRIDE + C_PATH_NEXT] = c;
    this.slots[p + P_TAIL] = c;
    const head = this.sessions[q + S_HEAD]!;
    cells[at + C_SESSION_NEXT] = head;
    cells[at + C_SESSION_PREV] = NONE;
    if (head !== NONE) cells[head * C_STRIDE + C_SESSION_PREV] = c;
    this.sessions[q + S_HEAD] = c;
    this.sessions[q + S_COUNT]!++;
    const count = ++this.slots[p + P_COUNT]!;
    const crowd = this.crowded.get(slot);
    if (crowd !== undefined) crowd.set(s, c);
    else if (count >= CROWD_MIN) {
      const m = new Map<number, number>();
      for (let x = this.slots[p + P_HEAD]!; x !== NONE; x = cells[x * C_STRIDE + C_PATH_NEXT]!) m.set(cells[x * C_STRIDE + C_SESSION]!, x);
      this.crowded.set(slot, m);
    }
    return c;
  }

  private freeCellAt(c: number): void {
    const cells = this.cells,
      at = c * C_STRIDE;
    const slot = cells[at + C_SLOT]!,
      s = cells[at + C_SESSION]!;
    const p = slot * P_STRIDE,
      q = s * S_STRIDE;
    // Off the path's list.
    const next = cells[at + C_PATH_NEXT]!,
      prev = cells[at + C_PATH_PREV]!;
    if (prev === NONE) this.slots[p + P_HEAD] = next;
    else cells[prev * C_STRIDE + C_PATH_NEXT] = next;
    if (next === NONE) this.slots[p + P_TAIL] = prev;
    else cells[next * C_STRIDE + C_PATH_PREV] = prev;
    this.crowded.get(slot)?.delete(s);
    if (--this.slots[p + P_COUNT]! === 0) {
      this.crowded.delete(slot);
      this.pathIndex.delete(this.slotPaths[slot]!, slot);
      this.slotPaths[slot] = "";
      this.slots[p + P_HEAD] = this.freeSlot;
      this.freeSlot = slot;
    }
    // Off the session's list.
    const sNext = cells[at + C_SESSION_NEXT]!,
      sPrev = cells[at + C_SESSION_PREV]!;
    if (sPrev === NONE) this.sessions[q + S_HEAD] = sNext;
    else cells[sPrev * C_STRIDE + C_SESSION_NEXT] = sNext;
    if (sNext !== NONE) cells[sNext * C_STRIDE + C_SESSION_PREV] = sPrev;
    cells[at + C_PATH_NEXT] = this.freeCell;
    this.freeCell = c;
    if (--this.sessions[q + S_COUNT]! === 0) {
      this.sessionIndex.delete(this.sessionIds[s]!);
      this.sessions[q + S_HEAD] = this.freeSession;
      this.freeSession = s;
      if (this.sessionIndex.size === 0 && this.cellsUsed > RELEASE_MIN) this.release();
    }
  }

  /** Empty again after a peak: the arrays go back to their first size (the marks live on). */
  private release(): void {
    this.cells = new Int32Array(CAPACITY_MIN * C_STRIDE);
    this.cellsUsed = 0;
    this.freeCell = NONE;
    this.slots = new Int32Array(CAPACITY_MIN * P_STRIDE);
    this.slotsUsed = 0;
    this.freeSlot = NONE;
    this.slotPaths = [];
    this.pathIndex = new PathIndex(this.slotPaths, 1);
    this.sessions = new Int32Array(CAPACITY_MIN * S_STRIDE);
    this.sessionsUsed = 0;
    this.freeSession = NONE;
    this.sessionIds = [];
  }
}
