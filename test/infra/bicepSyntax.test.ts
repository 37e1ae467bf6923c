import { describe, expect, it } from 'vitest';
import { listBicepFiles, parseBicepFile, parseBicepSource, syntaxProblems } from './bicep';

describe('Bicep syntax (tree-sitter-bicep grammar)', () => {
  const files = listBicepFiles();

  it('finds the template files', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files.map((f) => [f.slice(f.indexOf('infra')), f]))('%s parses without syntax errors', async (_name, path) => {
    const file = await parseBicepFile(path);
    expect(syntaxProblems(file.root)).toEqual([]);
    expect(file.root.hasError).toBe(false);
  });

  it('flags a deliberately broken file (an unclosed object and a dangling parameter default)', async () => {
    const broken = await parseBicepSource(
      ["param location string =", "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {", "  name: 'x'", ''].join('\n'),
    );
    expect(broken.root.hasError).toBe(true);
    expect(syntaxProblems(broken.root).length).toBeGreaterThan(0);
  });

  it('flags a stray token between declarations', async () => {
    const broken = await parseBicepSource("var a = 1\n)\nvar b = 2\n");
    expect(syntaxProblems(broken.root).map((p) => p.line)).toContain(2);
  });

  it('accepts the constructs the template relies on (lambdas, safe access, loops, nested resources)', async () => {
    const ok = await parseBicepSource(
      [
        "var s = loadJsonContent('../x.json')",
        "var cols = map(s.columns, c => { name: c.tableColumn, type: c.?tableType ?? (c.type == 'datetime' ? 'dateTime' : c.type) })",
        'var decl = toObject(s.list, x => x.stream, x => { columns: x.columns })',
        "resource app 'Microsoft.Web/sites@2024-04-01' = {",
        "  name: 'a'",
        "  resource settings 'config' = {",
        "    name: 'appsettings'",
        "    properties: union({ A__b: 'x' }, {})",
        '  }',
        '}',
        "resource t 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = [for x in cols: {",
        '  name: x.name',
        '}]',
        '',
      ].join('\n'),
    );
    expect(syntaxProblems(ok.root)).toEqual([]);
  });
});
