// A JAAS login configuration file (Java's ConfigFile syntax), read the way the JDK reads it:
//
//   Server {
//     org.apache.zookeeper.server.auth.DigestLoginModule required
//       user_alice="alice-secret"   // comments: // to the end of the line, or /* ... */
//       user_bob="bob-secret";
//   };
//
// Sections of login modules; each module a class name, a flag (required, requisite,
// sufficient, optional) and options name=value (a value a word or a "quoted string", or
// 'quoted', with backslash escapes), ending with ";". Bounded: the file's size, sections, modules, options.

import { WardenError } from "@warden/protocol";

export class JaasError extends WardenError {
  constructor(message: string) {
    super({ code: "WARDEN_ERR_JAAS", message });
  }
}

export interface JaasModule {
  moduleClass: string;
  flag: "required" | "requisite" | "sufficient" | "optional";
  options: Map<string, string>;
  /** 1-based line of the module's class name. */
  line: number;
}

/** Bytes of a JAAS file read at most. */
export const JAAS_FILE_BYTES_MAX = 1024 * 1024;
/** Sections in one JAAS file. */
export const JAAS_SECTIONS_MAX = 64;
/** Login modules in one JAAS section. */
export const JAAS_MODULES_PER_SECTION_MAX = 16;
/** Options of one login module (user_* entries included). */
export const JAAS_OPTIONS_PER_MODULE_MAX = 10_000;

type Token = { kind: "word" | "string" | "punct"; text: string; line: number };

const WORD_CHAR = /[A-Za-z0-9_$.\-*\u00a0-\uffff]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f") {
      i++;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new JaasError(`line ${line}: unterminated /* comment`);
      for (let j = i; j < end; j++) if (text[j] === "\n") line++;
      i = end + 2;
    } else if (c === '"' || c === "'") {
      // Java's StreamTokenizer quotes with either.
      const start = line;
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasError(`line ${start}: unterminated quoted string`);
        const q = text[i]!;
        if (q === c) break;
        if (q === "\n") line++;
        if (q === "\\" && i + 1 < text.length) {
          const e = text[++i]!;
          value += ({ n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" } as Record<string, string>)[e] ?? e;
        } else {
          value += q;
        }
        i++;
      }
      i++;
      tokens.push({ kind: "string", text: value, line: start });
    } else if (c === "{" || c === "}" || c === ";" || c === "=") {
      tokens.push({ kind: "punct", text: c, line });
      i++;
    } else if (WORD_CHAR.test(c)) {
      const start = i;
      while (i < text.length && WORD_CHAR.test(text[i]!)) i++;
      tokens.push({ kind: "word", text: text.slice(start, i), line });
    } else {
      throw new JaasError(`line ${line}: unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

const FLAGS = new Set(["required", "requisite", "sufficient", "optional"]);

/** The sections of a JAAS file, by name. Throws JaasError naming the line. */
export function parseJaas(text: string): Map<string, JaasModule[]> {
  if (text.length > JAAS_FILE_BYTES_MAX) throw new JaasError(`the file is larger than ${JAAS_FILE_BYTES_MAX} bytes`);
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const next = (what: string): Token => {
    const t = tokens[at++];
    if (!t) throw new JaasError(`unexpected end of file: expected ${what}`);
    return t;
  };
  const expect = (punct: string) => {
    const t = next(`"${punct}"`);
    if (t.kind !== "punct" || t.text !== punct) throw new JaasError(`line ${t.line}: expected "${punct}", got ${JSON.stringify(t.text)}`);
  };
  const sections = new Map<string, JaasModule[]>();
  while (peek()) {
    const name = next("a section name");
    if (name.kind === "punct") throw new JaasError(`line ${name.line}: expected a section name, got ${JSON.stringify(name.text)}`);
    if (sections.has(name.text)) throw new JaasError(`line ${name.line}: section ${name.text} is given twice`);
    if (sections.size >= JAAS_SECTIONS_MAX) throw new JaasError(`line ${name.line}: more than ${JAAS_SECTIONS_MAX} sections`);
    expect("{");
    const modules: JaasModule[] = [];
    while (!(peek()?.kind === "punct" && peek()!.text === "}")) {
      if (modules.length >= JAAS_MODULES_PER_SECTION_MAX)
        throw new JaasError(`line ${peek()?.line}: more than ${JAAS_MODULES_PER_SECTION_MAX} modules in section ${name.text}`);
      modules.push(parseModule(next));
    }
    expect("}");
    expect(";");
    sections.set(name.text, modules);
  }
  return sections;
}

function parseModule(next: (what: string) => Token): JaasModule {
  const cls = next("a login module class");
  if (cls.kind !== "word") throw new JaasError(`line ${cls.line}: expected a login module class, got ${JSON.stringify(cls.text)}`);
  const flag = next("a flag");
  if (flag.kind !== "word" || !FLAGS.has(flag.text.toLowerCase())) {
    throw new JaasError(
      `line ${flag.line}: ${cls.text} needs a flag (required, requisite, sufficient or optional), got ${JSON.stringify(flag.text)}`,
    );
  }
  const options = new Map<string, string>();
  for (;;) {
    const t = next('an option or ";"');
    if (t.kind === "punct" && t.text === ";") break;
    if (t.kind !== "word") throw new JaasError(`line ${t.line}: expected an option name, got ${JSON.stringify(t.text)}`);
    const eq = next('"="');
    if (eq.kind !== "punct" || eq.text !== "=") throw new JaasError(`line ${eq.line}: option ${t.text} needs "=" and a value`);
    const value = next(`the value of ${t.text}`);
    if (value.kind === "punct") throw new JaasError(`line ${value.line}: option ${t.text} has no value`);
    if (value.text.includes("${")) throw new JaasError(`line ${value.line}: option ${t.text}: \${...} property expansion is not supported`);
    if (options.has(t.text)) throw new JaasError(`line ${t.line}: option ${t.text} is given twice`);
    if (options.size >= JAAS_OPTIONS_PER_MODULE_MAX)
      throw new JaasError(`line ${t.line}: more than ${JAAS_OPTIONS_PER_MODULE_MAX} options`);
    options.set(t.text, value.text);
  }
  return { moduleClass: cls.text, flag: flag.text.toLowerCase() as JaasModule["flag"], options, line: cls.line };
}
