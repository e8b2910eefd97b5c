/**
 * DynamoDB condition and update expressions, for the subset the project's code and Powertools
 * idempotency send (evaluated against native items):
 *
 *   condition := or;  or := and (OR and)*;  and := unary (AND unary)*
 *   unary := NOT unary | "(" or ")" | attribute_exists(path) | attribute_not_exists(path) | operand cmp operand
 *   cmp := = | <> | < | <= | > | >=;  operand := :value | path;  path := name ("." name)*;  name := #name | bareName
 *   update := clause+;  clause := SET path = value (, path = value)* | REMOVE path (, path)*
 *   value := term [+|- term];  term := operand | if_not_exists(path, operand)
 *
 * Anything else throws, so an unsupported expression fails the rehearsal loudly instead of being
 * ignored.
 */
type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

export class UnsupportedExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedExpressionError";
  }
}

function tokenize(expression: string): string[] {
  const tokens = expression.match(/<>|<=|>=|[().=<>,+-]|[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  if (tokens.join("") !== expression.replace(/\s/g, "")) throw new UnsupportedExpressionError(`cannot parse the expression: ${expression}`);
  return tokens;
}

function attributeName(token: string, names: Names): string {
  if (token.startsWith("#")) {
    const name = names?.[token];
    if (name === undefined) throw new UnsupportedExpressionError(`expression attribute name ${token} is not defined`);
    return name;
  }
  if (token.startsWith(":")) throw new UnsupportedExpressionError(`${token} is a value, not an attribute`);
  return token;
}

/** A value, or an attribute's by its document path (a map's member: `states.#r`); a missing step is missing. */
function operandValue(path: string[], item: Item | undefined, names: Names, values: Values): unknown {
  const [token] = path;
  if (token.startsWith(":")) {
    if (path.length > 1) throw new UnsupportedExpressionError(`${path.join(".")}: a value has no members`);
    if (!values || !(token in values)) throw new UnsupportedExpressionError(`expression attribute value ${token} is not defined`);
    return values[token];
  }
  let at: unknown = item;
  for (const step of path) {
    if (at === null || typeof at !== "object" || Array.isArray(at)) return undefined;
    at = (at as Item)[attributeName(step, names)];
  }
  return at;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false; // comparisons with a missing attribute are false
  if (op === "=") return JSON.stringify(a) === JSON.stringify(b);
  if (op === "<>") return JSON.stringify(a) !== JSON.stringify(b);
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false;
  const [x, y] = [a as number | string, b as number | string];
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
  throw new UnsupportedExpressionError(`unsupported comparator ${op}`);
}

export function evaluateCondition(expression: string, item: Item | undefined, names: Names, values: Values): boolean {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (expected?: string) => {
    const token = tokens[pos++];
    if (token === undefined) throw new UnsupportedExpressionError(`unexpected end of ${expression}`);
    if (expected !== undefined && token.toUpperCase() !== expected)
      throw new UnsupportedExpressionError(`expected ${expected} in ${expression}`);
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
    const path = (first: string): string[] => {
      const steps = [first];
      while (peek() === ".") {
        take(".");
        steps.push(take());
      }
      return steps;
    };
    const left = path(token);
    const op = take();
    if (!["=", "<>", "<", "<=", ">", ">="].includes(op))
      throw new UnsupportedExpressionError(`unsupported condition near "${left.join(".")} ${op}" in ${expression}`);
    return compare(op, operandValue(left, item, names, values), operandValue(path(take()), item, names, values));
  };
  const result = or();
  if (pos !== tokens.length) throw new UnsupportedExpressionError(`trailing tokens in condition: ${expression}`);
  return result;
}

const UPDATE_CLAUSES = ["SET", "REMOVE"];

export function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const tokens = tokenize(expression);
  const next: Item = { ...item };
  let pos = 0;
  const atClauseEnd = () => pos >= tokens.length || UPDATE_CLAUSES.includes(tokens[pos].toUpperCase());
  const term = (): unknown => {
    const token = tokens[pos++];
    if (token === "if_not_exists") {
      if (tokens[pos++] !== "(") throw new UnsupportedExpressionError(`expected ( in ${expression}`);
      const path = attributeName(tokens[pos++], names);
      if (tokens[pos++] !== ",") throw new UnsupportedExpressionError(`expected , in ${expression}`);
      const fallback = operandValue([tokens[pos++]], item, names, values);
      if (tokens[pos++] !== ")") throw new UnsupportedExpressionError(`expected ) in ${expression}`);
      return item[path] !== undefined ? item[path] : fallback;
    }
    return operandValue([token], item, names, values);
  };
  const set = () => {
    while (!atClauseEnd()) {
      const target = attributeName(tokens[pos++], names);
      if (tokens[pos++] !== "=") throw new UnsupportedExpressionError(`expected = in ${expression}`);
      let value = term();
      if (tokens[pos] === "+" || tokens[pos] === "-") {
        const op = tokens[pos++];
        const right = term();
        if (typeof value !== "number" || typeof right !== "number")
          throw new UnsupportedExpressionError(`arithmetic on non-numbers in ${expression}`);
        value = op === "+" ? value + right : value - right;
      }
      next[target] = value;
      if (!atClauseEnd() && tokens[pos++] !== ",") throw new UnsupportedExpressionError(`expected , in ${expression}`);
    }
  };
  const remove = () => {
    while (!atClauseEnd()) {
      delete next[attributeName(tokens[pos++], names)];
      if (!atClauseEnd() && tokens[pos++] !== ",") throw new UnsupportedExpressionError(`expected , in ${expression}`);
    }
  };
  const seen = new Set<string>();
  while (pos < tokens.length) {
    const clause = tokens[pos++].toUpperCase();
    if (!UPDATE_CLAUSES.includes(clause)) throw new UnsupportedExpressionError(`only SET and REMOVE updates are supported: ${expression}`);
    if (seen.has(clause)) throw new UnsupportedExpressionError(`${clause} appears twice in ${expression}`);
    seen.add(clause);
    if (atClauseEnd()) throw new UnsupportedExpressionError(`empty ${clause} clause in ${expression}`);
    if (clause === "SET") set();
    else remove();
  }
  if (seen.size === 0) throw new UnsupportedExpressionError(`empty update expression`);
  return next;
}
