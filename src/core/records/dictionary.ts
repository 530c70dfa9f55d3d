/**
 * The dictionary of a string column: each distinct value gets the next code, once. `values` is the
 * column's dictionary; it only grows, so batches built earlier keep valid codes.
 */
export class StringDictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    for (const value of initial) this.code(value);
  }

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.push(value) - 1;
      this.codes.set(value, code);
    }
    return code;
  }
}
