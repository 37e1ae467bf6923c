/**
 * Offline Bicep reading for the infra checks. No Bicep compiler installs on these machines, so the files are parsed
 * with the tree-sitter Bicep grammar (tree-sitter-bicep's wasm, loaded by web-tree-sitter 0.24): enough for syntax
 * errors and for reading declarations, module wiring and object keys. `bicep build` itself runs during `azd up`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import Parser from 'web-tree-sitter';

export type Node = Parser.SyntaxNode;

export const repoRoot = resolve(__dirname, '..', '..');
export const infraDir = join(repoRoot, 'infra');

let parserPromise: Promise<Parser> | undefined;

export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    // The package's main entry is a native binding; only its wasm file is used, located through package.json.
    const pkgDir = dirname(createRequire(__filename).resolve('tree-sitter-bicep/package.json'));
    const language = await Parser.Language.load(join(pkgDir, 'tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  text: string;
  kind: 'error' | 'missing';
}

/** ERROR and MISSING nodes, with 1-based positions, for a readable failure message. */
export function syntaxProblems(root: Node): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'ERROR' || n.isMissing) {
      problems.push({
        line: n.startPosition.row + 1,
        column: n.startPosition.column + 1,
        text: n.text.slice(0, 60),
        kind: n.isMissing ? 'missing' : 'error',
      });
      if (n.type === 'ERROR') return;
    }
    if (n.hasError || n.isMissing) for (const c of n.children) visit(c);
  };
  visit(root);
  return problems;
}

export interface BicepFile {
  path: string;
  /** Path relative to the repository root, for messages. */
  name: string;
  source: string;
  root: Node;
}

export async function parseBicepSource(source: string, path = '<inline>'): Promise<BicepFile> {
  const parser = await bicepParser();
  const tree = parser.parse(source);
  return { path, name: path === '<inline>' ? path : relative(repoRoot, path), source, root: tree.rootNode };
}

export async function parseBicepFile(path: string): Promise<BicepFile> {
  return parseBicepSource(readFileSync(path, 'utf8'), path);
}

export function listBicepFiles(dir = infraDir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listBicepFiles(full));
    else if (entry.endsWith('.bicep')) out.push(full);
  }
  return out.sort();
}

/** The text of a string literal without quotes; undefined when it interpolates. */
export function stringValue(n: Node | null | undefined): string | undefined {
  if (!n || n.type !== 'string') return undefined;
  if (n.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  const t = n.text;
  return t.startsWith("'''") ? t.slice(3, -3) : t.slice(1, -1);
}

export function identifierOf(n: Node): string {
  const id = n.namedChildren.find((c) => c.type === 'identifier');
  if (!id) throw new Error(`no identifier in ${n.type} at line ${n.startPosition.row + 1}`);
  return id.text;
}

/** Decorator names (description, secure, allowed, ...) attached to a declaration. */
function decoratorsOf(n: Node): string[] {
  const prev = n.previousNamedSibling;
  if (!prev || prev.type !== 'decorators') return [];
  return prev.namedChildren.map((d) => {
    const call = d.namedChildren[0];
    const fn = call?.childForFieldName('function') ?? call;
    return fn?.text.replace(/^sys\./, '') ?? '';
  });
}

export interface ParamDecl {
  name: string;
  hasDefault: boolean;
  secure: boolean;
  type: string;
}

export function params(file: BicepFile): ParamDecl[] {
  return file.root.namedChildren
    .filter((n) => n.type === 'parameter_declaration')
    .map((n) => {
      const type = n.namedChildren.find((c) => c.type === 'type')?.text ?? '';
      // name, type, then the default value when there is one
      const hasDefault = n.namedChildren.filter((c) => c.type !== 'identifier' && c.type !== 'type').length > 0;
      return { name: identifierOf(n), hasDefault, secure: decoratorsOf(n).includes('secure'), type };
    });
}

export function outputs(file: BicepFile): string[] {
  return file.root.namedChildren.filter((n) => n.type === 'output_declaration').map(identifierOf);
}

export interface ModuleDecl {
  symbol: string;
  source: string;
  /** The keys under `params:`. */
  params: string[];
  node: Node;
}

/** The object a resource or module declaration assigns (inside `if (...)` or a `[for ...]` loop too). */
export function bodyObject(decl: Node): Node | undefined {
  const find = (n: Node): Node | undefined => {
    for (const c of n.namedChildren) {
      if (c.type === 'object') return c;
      if (c.type === 'if_statement' || c.type === 'for_statement' || c.type === 'array') {
        const inner = find(c);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return find(decl);
}

export function objectProperty(obj: Node | undefined, key: string): Node | undefined {
  if (!obj) return undefined;
  for (const p of obj.namedChildren) {
    if (p.type !== 'object_property') continue;
    const parts = p.namedChildren.filter((c) => c.type !== 'comment');
    const k = parts[0];
    if (k && parts.length > 1 && (k.text === key || stringValue(k) === key)) return parts[parts.length - 1];
  }
  return undefined;
}

export function objectKeys(obj: Node | undefined): string[] {
  if (!obj) return [];
  return obj.namedChildren
    .filter((p) => p.type === 'object_property')
    .map((p) => {
      const k = p.namedChildren[0]!;
      return stringValue(k) ?? k.text;
    });
}

export function modules(file: BicepFile): ModuleDecl[] {
  return file.root.namedChildren
    .filter((n) => n.type === 'module_declaration')
    .map((n) => {
      const source = stringValue(n.namedChildren.find((c) => c.type === 'string'));
      if (source === undefined) throw new Error(`module without a literal path in ${file.name}`);
      const paramsObj = objectProperty(bodyObject(n), 'params');
      return { symbol: identifierOf(n), source, params: objectKeys(paramsObj), node: n };
    });
}

export interface ResourceDecl {
  symbol: string;
  type: string;
  existing: boolean;
  node: Node;
}

/** Top-level and nested resource declarations. Nested ones report their short type as written. */
export function resources(file: BicepFile): ResourceDecl[] {
  return file.root
    .descendantsOfType('resource_declaration')
    .map((n) => ({
      symbol: identifierOf(n),
      type: stringValue(n.namedChildren.find((c) => c.type === 'string')) ?? '',
      existing: n.children.some((c) => c.type === 'existing' || c.text === 'existing'),
      node: n,
    }));
}

/** Calls of a function by name anywhere in the file, e.g. loadJsonContent. */
export function calls(file: BicepFile, fn: string): Node[] {
  return file.root
    .descendantsOfType('call_expression')
    .filter((c) => c.childForFieldName('function')?.text === fn);
}

/** The literal first argument of each call of loadJsonContent, resolved against the file's folder. */
export function loadedJsonFiles(file: BicepFile): string[] {
  return calls(file, 'loadJsonContent').map((c) => {
    const arg = c.childForFieldName('arguments')?.namedChildren[0];
    const rel = stringValue(arg);
    if (rel === undefined) throw new Error(`loadJsonContent without a literal path in ${file.name}`);
    return resolve(dirname(file.path), rel);
  });
}

export function variables(file: BicepFile): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const n of file.root.namedChildren) {
    if (n.type === 'variable_declaration') out.set(identifierOf(n), n);
  }
  return out;
}
