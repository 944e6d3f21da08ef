// The package-boundary checker: a pure function from a set of packages (their package.json
// dependencies, tsconfig references and source texts) and the arrows of packages/arrows.json
// to a list of violations, each naming the file and the import. architecture.test.ts runs it
// on the real workspace and on synthetic package sets (so it is known to fail when it should).
import { builtinModules } from "node:module";
import ts from "typescript";

export const SCOPE = "@warden/";

export interface PackageRule {
  /** Workspace packages (short names) this package may import. */
  may: string[];
  /** Whether its sources may import Node's built-in modules. */
  builtins: "allowed" | "forbidden";
  /** Whether it may import other packages' `/internal` entry points (test-only internals). */
  internals?: boolean;
}

export interface Arrows {
  packages: Record<string, PackageRule>;
}

export interface SourceFile {
  /** Repository-relative path, used in messages. */
  path: string;
  text: string;
}

export interface PackageFacts {
  /** Short name: "consensus" for @warden/consensus. */
  name: string;
  /** Names of package.json `dependencies`. */
  dependencies: string[];
  /** Short names of the packages the tsconfig.json references. */
  references: string[];
  files: SourceFile[];
}

export type ImportKind = "static" | "dynamic" | "resolve";

export interface ImportSite {
  specifier: string;
  line: number;
  kind: ImportKind;
}

const builtins = new Set(builtinModules);

export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtins.has(specifier) || builtins.has(specifier.split("/")[0] ?? "");
}

/** The package a bare specifier names: "@warden/server/internal" -> "@warden/server", "preact/hooks" -> "preact". */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/** `require` or `createRequire(...)`: the receivers of a `.resolve("package")` that names a dependency. */
function isRequire(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return node.text === "require";
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "createRequire";
}

/** Every import, export-from, dynamic import and require/resolve("...") call with a string specifier. */
export function importsOf(text: string, fileName = "source.ts"): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (literal: ts.Node, kind: ImportKind) => {
    if (!ts.isStringLiteralLike(literal)) return;
    sites.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1, kind });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(node.moduleSpecifier, "static");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, "static");
    } else if (ts.isCallExpression(node) && node.arguments[0]) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], "dynamic");
      else if (ts.isIdentifier(callee) && callee.text === "require") add(node.arguments[0], "resolve");
      else if (ts.isPropertyAccessExpression(callee) && callee.name.text === "resolve" && isRequire(callee.expression))
        add(node.arguments[0], "resolve");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, "static");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The arrows must form a DAG over known packages (DESIGN.md: "the graph is a DAG and stays one"). */
export function checkArrows(arrows: Arrows): string[] {
  const problems: string[] = [];
  const names = Object.keys(arrows.packages);
  for (const [name, rule] of Object.entries(arrows.packages)) {
    for (const to of rule.may) if (!names.includes(to)) problems.push(`arrows: ${name} -> ${to}: no such package`);
  }
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      problems.push(`arrows: cycle ${[...trail.slice(trail.indexOf(name)), name].join(" -> ")}`);
      return;
    }
    state.set(name, "visiting");
    for (const to of arrows.packages[name]?.may ?? []) visit(to, [...trail, name]);
    state.set(name, "done");
  };
  for (const name of names) visit(name, []);
  return problems;
}

/** Every violation of the arrows by the packages, one line each, naming file, line and import. */
export function checkPackages(arrows: Arrows, packages: PackageFacts[]): string[] {
  const problems = checkArrows(arrows);
  const imports = new Map<string, Set<string>>();
  for (const pkg of packages) {
    const rule = arrows.packages[pkg.name];
    if (!rule) {
      problems.push(`${pkg.name}: not in packages/arrows.json`);
      continue;
    }
    const checked = checkPackage(pkg, rule);
    problems.push(...checked.problems);
    imports.set(pkg.name, checked.codeImported);
  }
  for (const pkg of packages) if (imports.has(pkg.name)) problems.push(...checkReferences(pkg, imports));
  return problems;
}

/**
 * A package's tsconfig.json references every package its code depends on, directly or through
 * another: `tsc --build` decides a project is up to date from its direct references' outputs
 * only, so a CLI that gets protocol's types through the client's re-exports and has no reference
 * to protocol is not checked again when protocol changes.
 */
function checkReferences(pkg: PackageFacts, imports: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const needed = new Set<string>();
  const visit = (name: string): void => {
    for (const target of imports.get(name) ?? []) {
      const short = target.slice(SCOPE.length);
      if (needed.has(short) || short === pkg.name) continue;
      needed.add(short);
      visit(short);
    }
  };
  visit(pkg.name);
  const direct = imports.get(pkg.name) ?? new Set<string>();
  for (const name of needed) {
    if (!pkg.references.includes(name)) {
      const how = direct.has(`${SCOPE}${name}`) ? `imports ${SCOPE}${name}` : `depends on ${SCOPE}${name} through its imports`;
      problems.push(`packages/${pkg.name}/tsconfig.json: ${how} but has no reference to ../${name}`);
    }
  }
  for (const name of pkg.references) {
    if (!needed.has(name))
      problems.push(`packages/${pkg.name}/tsconfig.json: references ../${name} but its code depends on no ${SCOPE}${name}`);
  }
  return problems;
}

function checkPackage(pkg: PackageFacts, rule: PackageRule): { problems: string[]; codeImported: Set<string> } {
  const problems: string[] = [];
  const self = `${SCOPE}${pkg.name}`;
  const allowed = new Set(rule.may.map((n) => `${SCOPE}${n}`));
  const declared = new Set(pkg.dependencies);
  const used = new Set<string>();
  const codeImported = new Set<string>();
  for (const file of pkg.files) {
    for (const site of importsOf(file.text, file.path)) {
      const { specifier } = site;
      if (specifier.startsWith(".") || specifier.startsWith("/")) continue;
      const verb = { static: "imports", dynamic: "dynamic imports", resolve: "resolves" }[site.kind];
      const where = `${file.path}:${site.line}: ${verb} "${specifier}"`;
      if (isBuiltin(specifier)) {
        if (rule.builtins === "forbidden") problems.push(`${where}: ${pkg.name} may not use Node built-ins`);
        continue;
      }
      const target = packageOf(specifier);
      used.add(target);
      if (target === self) {
        problems.push(`${where}: a package imports itself through relative paths, not its own name`);
        continue;
      }
      if (target.startsWith(SCOPE)) {
        if (site.kind !== "resolve") codeImported.add(target);
        if (!allowed.has(target))
          problems.push(`${where}: arrow ${pkg.name} -> ${target.slice(SCOPE.length)} is not allowed by packages/arrows.json`);
        if (specifier.endsWith("/internal") && !rule.internals)
          problems.push(`${where}: only tests and @warden/testing may import an /internal entry point`);
      }
      if (!declared.has(target)) problems.push(`${where}: ${target} is not declared in packages/${pkg.name}/package.json`);
    }
  }
  for (const dep of pkg.dependencies) {
    if (dep.startsWith(SCOPE) && !allowed.has(dep)) {
      problems.push(
        `packages/${pkg.name}/package.json: dependency ${dep}: arrow ${pkg.name} -> ${dep.slice(SCOPE.length)} is not allowed by packages/arrows.json`,
      );
    }
    if (!used.has(dep)) problems.push(`packages/${pkg.name}/package.json: dependency ${dep} is declared but never imported by src/`);
  }
  return { problems, codeImported };
}
