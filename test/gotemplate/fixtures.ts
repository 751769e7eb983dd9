import { readFileSync, readdirSync } from "node:fs";

/** Test fixtures of the gotemplate domain, read from the repo (tests run from dist/test/gotemplate). */
export const FIXTURES = new URL("../../../test/fixtures/gotemplate/", import.meta.url);

export function readFixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), "utf8");
}

export function listFixtures(dir: string): string[] {
  return readdirSync(new URL(dir, FIXTURES)).sort();
}
