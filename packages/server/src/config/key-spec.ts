// The shape of one configuration key's entry in keys.ts's table.

export type KeyKind = "int" | "string" | "bool" | "path" | "list";

export interface KeySpec {
  kind: KeyKind;
  /** Inclusive bounds for "int". */
  min?: number;
  max?: number;
  doc: string;
  /** Why the key has no effect in Warden (accepted, reported at start). */
  ignored?: string;
  /** A value the server refuses to start with, and why. */
  refused?: { when: (value: string) => boolean; values: string; why: string };
  /** This key is another spelling of that one. */
  aliasOf?: string;
}

/** A boolean key's true, as ZooKeeper reads one ("true" or "yes", any case). */
export const isTrue = (v: string): boolean => /^(true|yes)$/i.test(v);

/** A Java int's range: the bounds of ZooKeeper's int keys. */
export const INT = { min: -2_147_483_648, max: 2_147_483_647 } as const;
