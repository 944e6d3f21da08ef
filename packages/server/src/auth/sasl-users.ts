// The DIGEST-MD5 users of the ZooKeeper port, from the JAAS file's server section (ZooKeeper's
// ServerCnxnFactory.configureSaslLogin: every user_<name>="<password>" option of its
// DigestLoginModule). Kerberos and other login modules are refused: starting without them
// would leave clients that expect them unable to authenticate, or worse, trusted by mistake.
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config.js";
import { JaasError, parseJaas } from "./jaas.js";

export const DIGEST_LOGIN_MODULE = "org.apache.zookeeper.server.auth.DigestLoginModule";
const KERBEROS_MODULES = new Set(["com.sun.security.auth.module.Krb5LoginModule", "com.ibm.security.auth.module.Krb5LoginModule"]);
const USER_PREFIX = "user_";
/** Characters of a user name: it becomes an ACL id, which the tree bounds at 1024. */
export const SASL_USER_CHARS_MAX = 1024;

export interface SaslUsers {
  /** Password of each user, by name. */
  readonly passwords: ReadonlyMap<string, string>;
  /** The JAAS file and section they came from (for the start-up line). */
  readonly source: string;
}

/**
 * Reads the users of `section` in the JAAS file `file`; `superPassword`, when given, is the
 * password of the user super instead of the file's (as ZooKeeper's SaslServerCallbackHandler:
 * super must still be a user of the file). Throws ConfigError naming the file and what is wrong.
 */
export function loadSaslUsers(file: string, section: string, superPassword?: string): SaslUsers {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`jaasLoginConfig: cannot read ${file}: ${(e as Error).message}`);
  }
  let sections;
  try {
    sections = parseJaas(text);
  } catch (e) {
    if (e instanceof JaasError) throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
  const modules = sections.get(section);
  if (!modules)
    throw new ConfigError(
      `${file}: no JAAS configuration section named '${section}' (sections: ${[...sections.keys()].join(", ") || "none"})`,
    );
  const passwords = new Map<string, string>();
  for (const m of modules) {
    const where = `${file}:${m.line}`;
    if (KERBEROS_MODULES.has(m.moduleClass)) {
      throw new ConfigError(
        `${where}: ${m.moduleClass}: Kerberos (SASL GSSAPI) is not supported; Warden's ZooKeeper port authenticates DIGEST-MD5 users of ${DIGEST_LOGIN_MODULE} only`,
      );
    }
    if (m.moduleClass !== DIGEST_LOGIN_MODULE)
      throw new ConfigError(`${where}: login module ${m.moduleClass} is not supported (only ${DIGEST_LOGIN_MODULE})`);
    for (const [key, password] of m.options) {
      if (!key.startsWith(USER_PREFIX)) continue;
      const user = key.slice(USER_PREFIX.length);
      if (user === "") throw new ConfigError(`${where}: option ${key} names no user`);
      if (user.length > SASL_USER_CHARS_MAX) throw new ConfigError(`${where}: a user name longer than ${SASL_USER_CHARS_MAX} characters`);
      if (passwords.has(user)) throw new ConfigError(`${where}: user ${user} is given twice in section ${section}`);
      passwords.set(user, password);
    }
  }
  if (superPassword !== undefined && passwords.has("super")) passwords.set("super", superPassword);
  return { passwords, source: `${file} section ${section}` };
}
