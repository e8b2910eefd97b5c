/**
 * A small evaluator for the DynamoDB expression subset the code under test uses, so the fakes
 * honour conditions instead of accepting every write:
 *   condition := or;  or := and (OR and)*;  and := unary (AND unary)*
 *   unary := NOT unary | "(" or ")" | attribute_exists(path) | attribute_not_exists(path) | operand cmp operand
 *   cmp := = | <> | < | <= | > | >=;  operand := #name | :value | bareName
 *   update := SET path = operand [+ operand] (, ...)*
 * Anything else throws, so a test fails loudly instead of passing on an expression it ignored.
 */
type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

function tokenize(expression: string): string[] {
  const tokens = expression.match(/<>|<=|>=|[()=<>,+]|[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  const rebuilt = tokens.join("").replace(/\s/g, "");
  if (rebuilt !== expression.replace(/\s/g, "")) throw new Error(`test expression evaluator cannot parse: ${expression}`);
  return tokens;
}

function attributeName(token: string, names: Names): string {
  if (token.startsWith("#")) {
    const name = names?.[token];
    if (name === undefined) throw new Error(`expression attribute name ${token} is not defined`);
    return name;
  }
  return token;
}

function operandValue(token: string, item: Item | undefined, names: Names, values: Values): unknown {
  if (token.startsWith(":")) {
    if (!values || !(token in values)) throw new Error(`expression attribute value ${token} is not defined`);
    return values[token];
  }
  return item?.[attributeName(token, names)];
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false; // DynamoDB: comparisons with a missing attribute are false
  switch (op) {
    case "=":
      return JSON.stringify(a) === JSON.stringify(b);
    case "<>":
      return JSON.stringify(a) !== JSON.stringify(b);
  }
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
  }
  throw new Error(`unsupported comparator ${op}`);
}

export function evaluateCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (expected?: string) => {
    const token = tokens[pos++];
    if (expected !== undefined && token?.toUpperCase() !== expected) throw new Error(`expected ${expected} in ${expression}`);
    return token;
  };
  const or = (): boolean => {
    let result = and();
    while (peek()?.toUpperCase() === "OR") {
      take();
      const right = and();
      result = result || right;
    }
    return result;
  };
  const and = (): boolean => {
    let result = unary();
    while (peek()?.toUpperCase() === "AND") {
      take();
      const right = unary();
      result = result && right;
    }
    return result;
  };
  const unary = (): boolean => {
    const token = take();
    if (token.toUpperCase() === "NOT") return !unary();
    if (token === "(") {
      const inner = or();
      take(")");
      return inner;
    }
    if (token === "attribute_exists" || token === "attribute_not_exists") {
      take("(");
      const name = attributeName(take(), names);
      take(")");
      const exists = item !== undefined && item[name] !== undefined;
      return token === "attribute_exists" ? exists : !exists;
    }
    const op = take();
    if (!["=", "<>", "<", "<=", ">", ">="].includes(op)) throw new Error(`unsupported condition near ${token} ${op}`);
    return compare(op, operandValue(token, item, names, values), operandValue(take(), item, names, values));
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`trailing tokens in condition: ${expression}`);
  return result;
}

export function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const tokens = tokenize(expression);
  if (tokens[0]?.toUpperCase() !== "SET") throw new Error(`test evaluator supports SET only: ${expression}`);
  const next: Item = { ...item };
  let pos = 1;
  while (pos < tokens.length) {
    const target = attributeName(tokens[pos++], names);
    if (tokens[pos++] !== "=") throw new Error(`expected = in ${expression}`);
    let value = operandValue(tokens[pos++], item, names, values);
    if (tokens[pos] === "+") {
      pos++;
      value = (value as number) + (operandValue(tokens[pos++], item, names, values) as number);
    }
    next[target] = value;
    if (pos < tokens.length && tokens[pos++] !== ",") throw new Error(`expected , in ${expression}`);
  }
  return next;
}
