// Four-letter words: on a fresh connection ZooKeeper reads the first 4 bytes as a frame
// length, and if that int is a known command ("ruok" = 0x72756f6b, ...) answers the command
// instead (NIOServerCnxn.readLength / checkFourLetterWord). Only before the ConnectRequest.

/** Every command ZooKeeper 3.8 knows (FourLetterCommands); a server whitelists some of them. */
export const FOUR_LETTER_WORDS = [
  "conf",
  "cons",
  "crst",
  "dirs",
  "dump",
  "envi",
  "gtmk",
  "hash",
  "isro",
  "mntr",
  "ruok",
  "srst",
  "srvr",
  "stat",
  "stmk",
  "wchc",
  "wchp",
  "wchs",
] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

const byInt = new Map<number, FourLetterWord>(
  FOUR_LETTER_WORDS.map((w) => [(w.charCodeAt(0) << 24) | (w.charCodeAt(1) << 16) | (w.charCodeAt(2) << 8) | w.charCodeAt(3), w]),
);

/** The command whose 4 ASCII bytes read as this big-endian int32, if any. */
export function fourLetterWordOfInt(length: number): FourLetterWord | undefined {
  return byInt.get(length | 0);
}

/** The command that a connection's first 4 bytes spell, if any (fewer than 4 bytes: undefined). */
export function fourLetterWordOf(firstBytes: Uint8Array): FourLetterWord | undefined {
  if (firstBytes.length < 4) return undefined;
  const n = (firstBytes[0]! << 24) | (firstBytes[1]! << 16) | (firstBytes[2]! << 8) | firstBytes[3]!;
  return byInt.get(n);
}
