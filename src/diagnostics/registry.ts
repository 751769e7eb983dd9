/**
 * Every diagnostic code is declared once, in the `codes.ts` of the domain that
 * raises it, with a title, an example input and its fix. docs/errors.md is
 * generated from these tables (`npm run docs:errors`) and a test keeps the two equal.
 *
 * Code ranges: MS1xxx Modelfile syntax, MS2xxx Modelfile validation, MS3xxx GGUF,
 * MS4xxx project file and references, MS5xxx store and build, MS6xxx test files,
 * MS7xxx templates, MS9xxx command line.
 */
export interface CodeInfo {
  /** Short title, e.g. "unknown instruction". */
  title: string;
  /** What the user wrote (or did) that raises it. */
  example: string;
  /** How to fix it. */
  fix: string;
}

export type CodeTable = Record<string, CodeInfo>;

export function defineCodes<T extends CodeTable>(table: T): T {
  for (const code of Object.keys(table)) {
    if (!/^MS\d{4}$/.test(code)) throw new Error(`invalid diagnostic code ${code}`);
  }
  return table;
}
