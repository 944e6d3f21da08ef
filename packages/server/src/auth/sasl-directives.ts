// RFC 2831's directive lists: `name=value` pairs, comma separated (the #rule: empty elements
// and linear white space allowed), a value a token or a quoted-string with backslash
// escapes. Bounded: the input's length, the number of directives and of characters in each
// name. A directive given twice is refused (the RFC allows none of the ones we read twice).

/** Why a token is not a directive list; the connection's SASL exchange fails with it. */
import { WardenError } from "@warden/protocol";

export class SaslError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_SASL", message });
  }
}

/** RFC 2831 2.1.2: a digest-response is less than 4096 bytes; so is a challenge. */
export const SASL_TOKEN_BYTES_MAX = 4096;
/** Directives in one token: the RFC names 14; unknown ones are ignored, up to this many in all. */
export const SASL_DIRECTIVES_MAX = 32;
/** Characters of one DIGEST-MD5 directive's name. */
const NAME_CHARS_MAX = 64;

/** RFC 2616's token characters: visible ASCII but the separators. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const isLws = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";

/**
 * The directives of `text` (already decoded from bytes), names lower-cased. Throws SaslError
 * on anything that is not a well-formed list.
 */
export function parseDirectives(text: string): Map<string, string> {
  if (text.length > SASL_TOKEN_BYTES_MAX) throw new SaslError(`token longer than ${SASL_TOKEN_BYTES_MAX} bytes`);
  const out = new Map<string, string>();
  let i = 0;
  const skipLws = () => {
    while (i < text.length && isLws(text[i]!)) i++;
  };
  for (;;) {
    skipLws();
    if (i >= text.length) break;
    if (text[i] === ",") {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
    const name = text.slice(start, i).toLowerCase();
    if (name.length === 0) throw new SaslError(`unexpected character ${JSON.stringify(text[i])} at ${i}`);
    if (name.length > NAME_CHARS_MAX) throw new SaslError(`directive name longer than ${NAME_CHARS_MAX} characters`);
    skipLws();
    if (text[i] !== "=") throw new SaslError(`directive ${name} has no "="`);
    i++;
    skipLws();
    let value: string;
    if (text[i] === '"') {
      [value, i] = quotedString(text, i + 1);
    } else {
      const vs = i;
      while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
      value = text.slice(vs, i);
    }
    if (out.has(name)) throw new SaslError(`directive ${name} given twice`);
    if (out.size >= SASL_DIRECTIVES_MAX) throw new SaslError(`more than ${SASL_DIRECTIVES_MAX} directives`);
    out.set(name, value);
    skipLws();
    if (i < text.length && text[i] !== ",") throw new SaslError(`expected "," after directive ${name}, at ${i}`);
  }
  return out;
}

/** A quoted-string's content from just after its opening quote; returns it and the index after the closing one. */
function quotedString(text: string, from: number): [string, number] {
  let value = "";
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return [value, i + 1];
    if (c === "\\") {
      if (i + 1 >= text.length) break;
      value += text[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw new SaslError("unterminated quoted string");
}

/** A quoted-string of `value` (quote and backslash escaped). */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
